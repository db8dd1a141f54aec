/**
 * The Redis store. Every check is one atomic Lua script run (redis-scripts.ts, built per
 * policy); the checks a process issues in one event-loop turn share ONE script call
 * (redis-batch-queue.ts). Every call has a deadline (`timeoutMs`): a paused or stopped Redis
 * fails checks with `ERR_STORE_UNAVAILABLE` instead of holding requests. While ioredis
 * reconnects, calls fail at once instead of queueing.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { parseOptions } from '../config/settings.js';
import { DEFAULT_STORE_TIMEOUT_MS, withDeadline } from '../redis/deadline.js';
import type { RedisClient } from '../redis/index.js';
import { batchScript, createBatchQueue, type BatchScript, type ScriptReply } from './redis-batch-queue.js';
import { rateLimitBatchLua, rateLimitLua } from './redis-scripts.js';
import type { RateLimitStorePolicy, RateLimitStore, StoreCheckResult, StoreInfoResult } from './types.js';

interface PolicyScripts {
  batch: BatchScript;
  info: (key: string) => Promise<ScriptReply>;
}

/** Options of {@link createRedisStore}. */
export interface RedisStoreOptions {
  /**
   * Most checks sent in one script call (default 32). A batch holds the checks issued in one
   * event-loop turn; larger turns are split. `1` sends one script call per check.
   */
  maxBatchSize?: number;
  /**
   * Deadline of one store call in milliseconds (default {@link DEFAULT_STORE_TIMEOUT_MS}, 500).
   * A batch not answered by then fails as a whole with `ERR_STORE_UNAVAILABLE`, so a paused or
   * stopped Redis never holds a request (the middleware's `onStoreError` then applies).
   */
  timeoutMs?: number;
}

const optionsSchema = z.object({
  maxBatchSize: z.number().int().min(1).max(1000).optional(),
  timeoutMs: z.number().int().min(1).max(60_000).optional(),
} satisfies { [K in keyof Required<RedisStoreOptions>]: z.ZodType }).strict();

/** A read script as an ioredis command (`defineCommand`: EVALSHA, EVAL on NOSCRIPT), defined once per client. */
function infoCommand(client: RedisClient, lua: string): (key: string) => Promise<ScriptReply> {
  const name = `epkRateLimitInfo${createHash('sha1').update(lua).digest('hex').slice(0, 16)}`;
  const commands = client as unknown as Record<string, ((key: string) => Promise<ScriptReply>) | undefined>;
  if (typeof commands[name] !== 'function') client.defineCommand(name, { numberOfKeys: 1, lua });
  return (key) => commands[name]!.call(client, key);
}

/** States in which ioredis would only queue commands: fail fast instead (see onStoreError). */
const DOWN_STATES = new Set(['reconnecting', 'end', 'close', 'disconnecting']);

function decodeInfo(reply: ScriptReply): StoreInfoResult {
  if (typeof reply === 'number') throw new TypeError('unexpected packed reply to a read-only rate limit script');
  return { remaining: reply[1], current: reply[4], resetAfterMs: reply[3] };
}

/** A {@link RateLimitStore} on Redis, exposing the client it uses. */
export interface RedisRateLimitStore extends RateLimitStore {
  readonly kind: 'redis';
  readonly client: RedisClient;
}

/** Thrown (and wrapped into ERR_STORE_UNAVAILABLE by the limiter) while the client reconnects. */
export class RedisNotReadyError extends Error {
  constructor(status: string) {
    super(`Redis connection is ${status}`);
    this.name = 'RedisNotReadyError';
  }
}

/**
 * Creates a Redis store on `client` (a `Redis` or `Cluster`; enable `enableAutoPipelining` on
 * clients you create yourself for cluster throughput). Scripts are built once per limiter
 * policy and cached by Redis (EVALSHA).
 *
 * @example
 * ```ts
 * const store = createRedisStore(new Redis(process.env.REDIS_URL!, { enableAutoPipelining: true }))
 * const limiter = createRateLimiter({ name: 'api', store, limit: 100, windowMs: 60_000 })
 * ```
 */
export function createRedisStore(client: RedisClient, options: RedisStoreOptions = {}): RedisRateLimitStore {
  const parsed = parseOptions(optionsSchema, options, 'createRedisStore options');
  const maxBatchSize = parsed.maxBatchSize ?? 32;
  const timeoutMs = parsed.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
  const cluster = (client as { isCluster?: boolean }).isCluster === true;

  // Scripts are built per policy (constants baked in); a limiter keeps one policy object.
  const scriptsByPolicy = new WeakMap<RateLimitStorePolicy, PolicyScripts>();
  let lastPolicy: RateLimitStorePolicy | undefined;
  let lastScripts: PolicyScripts | undefined;
  const scriptsFor = (policy: RateLimitStorePolicy): PolicyScripts => {
    if (policy === lastPolicy) return lastScripts!;
    let scripts = scriptsByPolicy.get(policy);
    if (scripts === undefined) {
      const infoLua = rateLimitLua(policy, false);
      scripts = { batch: batchScript(rateLimitBatchLua(policy)), info: infoCommand(client, infoLua) };
      scriptsByPolicy.set(policy, scripts);
    }
    lastPolicy = policy;
    lastScripts = scripts;
    return scripts;
  };
  const down = (): string | undefined => {
    const status = (client as { status?: string }).status;
    return status !== undefined && DOWN_STATES.has(status) ? status : undefined;
  };

  const enqueue = createBatchQueue(client, { maxBatchSize, timeoutMs });

  return {
    kind: 'redis',
    client,
    check(key: string, policy: RateLimitStorePolicy): Promise<StoreCheckResult> {
      const status = down();
      if (status !== undefined) return Promise.reject(new RedisNotReadyError(status));
      const { batch } = scriptsFor(policy);
      return new Promise((resolve, reject) => enqueue(key, batch, resolve, reject));
    },
    info(key: string, policy: RateLimitStorePolicy): Promise<StoreInfoResult> {
      const status = down();
      if (status !== undefined) return Promise.reject(new RedisNotReadyError(status));
      return withDeadline(scriptsFor(policy).info(key).then(decodeInfo), timeoutMs, 'rate limit lookup');
    },
    async reset(key: string): Promise<void> {
      const status = down();
      if (status !== undefined) throw new RedisNotReadyError(status);
      await withDeadline(client.del(key), timeoutMs, 'rate limit reset');
    },
  };
}
