/**
 * The Redis store: one atomic Lua call per check (redis-scripts.ts, built per policy), sent as
 * EVALSHA through ioredis `call` (re-sent once as EVAL after NOSCRIPT, so a restarted or flushed
 * server needs nothing from us). Works on a single `Redis` and on a `Cluster` (every script
 * touches one hash-tagged key). Throughput comes from ioredis auto-pipelining
 * (`enableAutoPipelining`, on for the kit's shared clients): all checks issued in one tick share
 * one write. Not `defineCommand`: its wrapper adds a promise and a command subclass per call.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { RedisClient } from '../redis/index.js';
import { PACKED_REMAINING_UNIT, rateLimitLua } from './redis-scripts.js';
import type { RateLimitStorePolicy, RateLimitStore, StoreCheckResult, StoreInfoResult } from './types.js';

/** An allowed check's packed integer, or `[allowed, remaining, retryAfterMs, resetAfterMs, current]`. */
type ScriptReply = number | [number, number, number, number, number];

interface Script {
  lua: string;
  sha: string;
}

interface PolicyScripts {
  check: Script;
  info: Script;
  /** Sliding log: the check needs a unique member argument. */
  member: boolean;
}

const script = (lua: string): Script => ({ lua, sha: createHash('sha1').update(lua).digest('hex') });

/** States in which ioredis would only queue commands: fail fast instead (see onStoreError). */
const DOWN_STATES = new Set(['reconnecting', 'end', 'close', 'disconnecting']);

// Unique sorted-set members: a random per-process prefix plus a counter, so two checks in the
// same microsecond (from one process or many) are two members, never one.
const MEMBER_PREFIX = randomBytes(6).toString('base64url');
let memberCounter = 0;

const isNoScript = (error: unknown): boolean => error instanceof Error && error.message.startsWith('NOSCRIPT');

function decodeCheck(reply: ScriptReply): StoreCheckResult {
  if (typeof reply === 'number') {
    const remaining = Math.floor(reply / PACKED_REMAINING_UNIT);
    return { allowed: true, remaining, retryAfterMs: 0, resetAfterMs: reply - remaining * PACKED_REMAINING_UNIT };
  }
  return { allowed: reply[0] === 1, remaining: reply[1], retryAfterMs: reply[2], resetAfterMs: reply[3] };
}

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
 * clients you create yourself for throughput). Scripts are built once per limiter policy and
 * cached by Redis (EVALSHA).
 *
 * @example
 * ```ts
 * const store = createRedisStore(new Redis(process.env.REDIS_URL!, { enableAutoPipelining: true }))
 * const limiter = createRateLimiter({ name: 'api', store, limit: 100, windowMs: 60_000 })
 * ```
 */
export function createRedisStore(client: RedisClient): RedisRateLimitStore {
  // Scripts are built per policy (constants baked in); a limiter keeps one policy object.
  const scriptsByPolicy = new WeakMap<RateLimitStorePolicy, PolicyScripts>();
  let lastPolicy: RateLimitStorePolicy | undefined;
  let lastScripts: PolicyScripts | undefined;
  const scriptsFor = (policy: RateLimitStorePolicy): PolicyScripts => {
    if (policy === lastPolicy) return lastScripts!;
    let scripts = scriptsByPolicy.get(policy);
    if (scripts === undefined) {
      scripts = { check: script(rateLimitLua(policy, true)), info: script(rateLimitLua(policy, false)), member: policy.algorithm === 'sliding-log' };
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

  // EVALSHA straight through ioredis `call` (auto-pipelined). A server that lost its scripts
  // (restart, SCRIPT FLUSH, a new cluster node) answers NOSCRIPT: the same call is sent once as
  // EVAL, which also caches the script there for the next EVALSHA.
  function run<T>(s: Script, key: string, member: string | undefined, decode: (reply: ScriptReply) => T): Promise<T> {
    const sent = (member === undefined
      ? client.call('EVALSHA', s.sha, '1', key)
      : client.call('EVALSHA', s.sha, '1', key, member)) as Promise<ScriptReply>;
    return sent.then(decode, (error: unknown) => {
      if (!isNoScript(error)) throw error;
      const resent = member === undefined ? client.call('EVAL', s.lua, '1', key) : client.call('EVAL', s.lua, '1', key, member);
      return (resent as Promise<ScriptReply>).then(decode);
    });
  }

  return {
    kind: 'redis',
    client,
    check(key: string, policy: RateLimitStorePolicy): Promise<StoreCheckResult> {
      const status = down();
      if (status !== undefined) return Promise.reject(new RedisNotReadyError(status));
      const scripts = scriptsFor(policy);
      // only the sliding log stores members
      return run(scripts.check, key, scripts.member ? MEMBER_PREFIX + (memberCounter++).toString(36) : undefined, decodeCheck);
    },
    info(key: string, policy: RateLimitStorePolicy): Promise<StoreInfoResult> {
      const status = down();
      if (status !== undefined) return Promise.reject(new RedisNotReadyError(status));
      return run(scriptsFor(policy).info, key, undefined, decodeInfo);
    },
    async reset(key: string): Promise<void> {
      const status = down();
      if (status !== undefined) throw new RedisNotReadyError(status);
      await client.del(key);
    },
  };
}
