/**
 * The Redis store: one atomic Lua call per check (redis-scripts.ts), loaded once per client
 * with ioredis `defineCommand` (EVALSHA; ioredis re-sends it as EVAL on a new connection and
 * after NOSCRIPT, so a restarted or flushed server needs nothing from us). Works on a single
 * `Redis` and on a `Cluster` (every script touches one hash-tagged key). Throughput comes from
 * ioredis auto-pipelining (`enableAutoPipelining`, on for the kit's shared clients): all checks
 * issued in one tick share one write.
 */
import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../redis/index.js';
import { SLIDING_LOG_LUA, SLIDING_WINDOW_LUA, TOKEN_BUCKET_LUA } from './redis-scripts.js';
import type { RateLimitAlgorithm, RateLimitStorePolicy, RateLimitStore, StoreCheckResult, StoreInfoResult } from './types.js';

type ScriptReply = [number, number, number, number, number];
type ScriptCommand = (key: string, limit: number, windowMs: number, capacity: number, member: string, consume: number) => Promise<ScriptReply>;

const COMMANDS: Record<RateLimitAlgorithm, { name: string; lua: string }> = {
  'sliding-log': { name: 'epkRateLimitSlidingLog', lua: SLIDING_LOG_LUA },
  'sliding-window': { name: 'epkRateLimitSlidingWindow', lua: SLIDING_WINDOW_LUA },
  'token-bucket': { name: 'epkRateLimitTokenBucket', lua: TOKEN_BUCKET_LUA },
};

/** States in which ioredis would only queue commands: fail fast instead (see onStoreError). */
const DOWN_STATES = new Set(['reconnecting', 'end', 'close', 'disconnecting']);

// Unique sorted-set members: a random per-process prefix plus a counter, so two checks in the
// same microsecond (from one process or many) are two members, never one.
const MEMBER_PREFIX = randomBytes(6).toString('base64url');
let memberCounter = 0;

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
 * clients you create yourself for throughput). Scripts are defined on the client once.
 *
 * @example
 * ```ts
 * const store = createRedisStore(new Redis(process.env.REDIS_URL!, { enableAutoPipelining: true }))
 * const limiter = createRateLimiter({ name: 'api', store, limit: 100, windowMs: 60_000 })
 * ```
 */
export function createRedisStore(client: RedisClient): RedisRateLimitStore {
  const commands = {} as Record<RateLimitAlgorithm, ScriptCommand>;
  const target = client as unknown as Record<string, ScriptCommand> & {
    defineCommand(name: string, def: { numberOfKeys: number; lua: string }): void;
  };
  for (const [algorithm, { name, lua }] of Object.entries(COMMANDS) as [RateLimitAlgorithm, { name: string; lua: string }][]) {
    if (typeof target[name] !== 'function') target.defineCommand(name, { numberOfKeys: 1, lua });
    const command = target[name]!;
    commands[algorithm] = (...args) => command.apply(client, args);
  }

  function call(key: string, policy: RateLimitStorePolicy, consume: number): Promise<ScriptReply> {
    const status = (client as { status?: string }).status;
    if (status !== undefined && DOWN_STATES.has(status)) return Promise.reject(new RedisNotReadyError(status));
    // only the sliding log stores members; the other scripts ignore the argument
    const member = consume && policy.algorithm === 'sliding-log' ? MEMBER_PREFIX + (memberCounter++).toString(36) : '';
    return commands[policy.algorithm](key, policy.limit, policy.windowMs, policy.capacity, member, consume);
  }

  return {
    kind: 'redis',
    client,
    check(key: string, policy: RateLimitStorePolicy): Promise<StoreCheckResult> {
      return call(key, policy, 1).then((reply) => ({ allowed: reply[0] === 1, remaining: reply[1], retryAfterMs: reply[2], resetAfterMs: reply[3] }));
    },
    info(key: string, policy: RateLimitStorePolicy): Promise<StoreInfoResult> {
      return call(key, policy, 0).then((reply) => ({ remaining: reply[1], current: reply[4], resetAfterMs: reply[3] }));
    },
    async reset(key: string): Promise<void> {
      const status = (client as { status?: string }).status;
      if (status !== undefined && DOWN_STATES.has(status)) throw new RedisNotReadyError(status);
      await client.del(key);
    },
  };
}
