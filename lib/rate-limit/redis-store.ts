/**
 * The Redis store. Every check is one atomic Lua script run (redis-scripts.ts, built per
 * policy); the checks a process issues in one event-loop turn share ONE script call
 * (redis-batch-queue.ts). Every call has a deadline (`timeoutMs`): a paused or stopped Redis
 * fails checks with `ERR_STORE_UNAVAILABLE` instead of holding requests. While ioredis
 * reconnects, calls fail at once instead of queueing.
 *
 * Beyond one unit per check: a cost rides in the batch's ARGV (absent on the plain path); a
 * blocking policy sends each key's `<key>:b` along; `hitAll` sets are batched like checks (one
 * script call per turn on one server, all or nothing per set); on a Cluster a set whose keys
 * span slots is checked slot by slot in order, with refunds on a denial (hit-all.ts); `refund`
 * is one script call. Dynamic policies are policy objects interned by the limiter: one script
 * per distinct (limit, window, block), so keep their number small (plans, not per-user values).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { parseOptions } from '../config/settings.js';
import { DEFAULT_STORE_TIMEOUT_MS, withDeadline } from '../redis/deadline.js';
import type { RedisClient } from '../redis/index.js';
import { BoundedMap } from './bounded-map.js';
import { hitAllInGroups, lookAsAnswer } from './hit-all.js';
import { blockKeyOf, storageKeyHashTag } from './keys.js';
import { batchScript, createBatchQueue, type BatchScript, type ScriptReply } from './redis-batch-queue.js';
import { keysPerCheck, rateLimitBatchLua, rateLimitHitAllLua, rateLimitLua, rateLimitRefundLua } from './redis-scripts.js';
import type {
  RateLimitStoreFeature, RateLimitStorePolicy, RateLimitStore, StoreCheckResult, StoreInfoResult, StoreMultiCheck, StoreRefundResult,
} from './types.js';

interface PolicyScripts {
  batch: BatchScript;
  info: (key: string) => Promise<ScriptReply>;
  /** Built on the first refund. */
  refund?: BatchScript;
  /** The read script as EVALSHA (a Cluster's auto-pipeline refuses custom commands under concurrency). */
  look?: BatchScript;
}

const FEATURES: readonly RateLimitStoreFeature[] = Object.freeze(['cost', 'block'] as const);
/** Most hitAll scripts (one per sequence of policies) one store keeps. */
const MAX_HIT_ALL_SCRIPTS = 256;

/** Runs `script` once (EVALSHA; EVAL when the server lost it). A Cluster routes it by its first key. */
async function runScript(client: RedisClient, script: BatchScript, keys: string[], args: (string | number)[]): Promise<unknown> {
  try {
    return await client.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('NOSCRIPT')) return client.eval(script.lua, keys.length, ...keys, ...args);
    throw error;
  }
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
      scripts = { batch: batchScript(rateLimitBatchLua(policy), keysPerCheck(policy) === 2), info: infoCommand(client, infoLua) };
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

  const queue = createBatchQueue(client, { maxBatchSize, timeoutMs });
  const enqueue = queue.check;

  // hitAll scripts by the sequence of their checks' policies (ids of policy objects)
  const policyIds = new WeakMap<RateLimitStorePolicy, number>();
  let nextPolicyId = 0;
  const hitAllScripts = new BoundedMap<string, BatchScript>(MAX_HIT_ALL_SCRIPTS);
  const hitAllScriptFor = (policies: RateLimitStorePolicy[]): BatchScript => {
    const id = policies.map((policy) => {
      let n = policyIds.get(policy);
      if (n === undefined) policyIds.set(policy, (n = nextPolicyId++));
      return n;
    }).join(',');
    let script = hitAllScripts.get(id);
    if (script === undefined) hitAllScripts.set(id, (script = batchScript(rateLimitHitAllLua(policies), true, true)));
    return script;
  };
  /** One all-or-nothing set for checks that share a slot (or a single server), batched with the turn's other sets. */
  const hitAllOnce = (checks: readonly StoreMultiCheck[]): Promise<StoreCheckResult[]> => {
    const keys = checks.flatMap((c) => [c.key, blockKeyOf(c.key)]);
    const script = hitAllScriptFor(checks.map((c) => c.policy));
    return new Promise((resolve, reject) => queue.set(keys, checks.map((c) => c.cost), script, resolve, reject));
  };
  const refundOnce = async (key: string, units: number, policy: RateLimitStorePolicy): Promise<StoreRefundResult> => {
    const scripts = scriptsFor(policy);
    scripts.refund ??= batchScript(rateLimitRefundLua(policy));
    const reply = await runScript(client, scripts.refund, [key], [units]);
    if (!Array.isArray(reply) || reply.length !== 2) throw new TypeError('unexpected reply to the rate limit refund script');
    return { refunded: Number(reply[0]), remaining: Number(reply[1]) };
  };

  const lookOnce = async (key: string, policy: RateLimitStorePolicy): Promise<StoreInfoResult> => {
    const scripts = scriptsFor(policy);
    scripts.look ??= batchScript(rateLimitLua(policy, false));
    return decodeInfo(await runScript(client, scripts.look, [key], []) as ScriptReply);
  };

  return {
    kind: 'redis',
    client,
    features: FEATURES,
    check(key: string, policy: RateLimitStorePolicy, _now?: number, cost?: number): Promise<StoreCheckResult> {
      const status = down();
      if (status !== undefined) return Promise.reject(new RedisNotReadyError(status));
      const { batch } = scriptsFor(policy);
      return new Promise((resolve, reject) => enqueue(key, batch, resolve, reject, cost));
    },
    refund(key: string, units: number, policy: RateLimitStorePolicy): Promise<StoreRefundResult> {
      const status = down();
      if (status !== undefined) return Promise.reject(new RedisNotReadyError(status));
      return withDeadline(refundOnce(key, units, policy), timeoutMs, 'rate limit refund');
    },
    hitAll(checks: readonly StoreMultiCheck[]): Promise<StoreCheckResult[]> {
      const status = down();
      if (status !== undefined) return Promise.reject(new RedisNotReadyError(status));
      // the batch queue puts the deadline on each call
      if (!cluster) return hitAllOnce(checks);
      // A script may only touch one slot: one all-or-nothing call per hash tag, refunds on a denial.
      const byTag = new Map<string, number[]>();
      checks.forEach((check, i) => {
        const tag = storageKeyHashTag(check.key);
        const indexes = byTag.get(tag);
        if (indexes === undefined) byTag.set(tag, [i]);
        else indexes.push(i);
      });
      const groups = [...byTag.values()].map((indexes) => ({ indexes, run: () => hitAllOnce(indexes.map((i) => checks[i]!)) }));
      if (groups.length === 1) return hitAllOnce(checks);
      return withDeadline(hitAllInGroups(checks, groups, (c) => refundOnce(c.key, c.cost, c.policy),
        async (c) => lookAsAnswer(await lookOnce(c.key, c.policy), c.cost)), timeoutMs, 'rate limit hitAll');
    },
    info(key: string, policy: RateLimitStorePolicy): Promise<StoreInfoResult> {
      const status = down();
      if (status !== undefined) return Promise.reject(new RedisNotReadyError(status));
      return withDeadline(scriptsFor(policy).info(key).then(decodeInfo), timeoutMs, 'rate limit lookup');
    },
    async reset(key: string): Promise<void> {
      const status = down();
      if (status !== undefined) throw new RedisNotReadyError(status);
      await withDeadline(client.del(key, blockKeyOf(key)), timeoutMs, 'rate limit reset');
    },
  };
}
