/**
 * The Redis store. Every check is one atomic Lua script run (redis-scripts.ts, built per
 * policy), and the checks a process issues in one event-loop turn share ONE script call: they
 * are queued, and a `setImmediate` (the same moment ioredis auto-pipelining flushes) sends
 * `EVALSHA <batch script> n key1 … keyn`, which checks the keys in order at one Redis instant
 * and answers one reply per key. Checks therefore cost one round trip shared by everyone in the
 * batch instead of one command each: the per-command cost of the client (encoding, parsing, a
 * promise) and of the server (dispatch, `TIME`) is paid once per batch, which is where the time
 * of a lean script goes (bench/rate-limit/RESULTS.md).
 *
 * - Atomicity is unchanged: each check reads, decides and writes inside one script, and no
 *   other command runs in between (the batch is one script), so N processes × M checks on one
 *   key still let exactly `limit` through.
 * - Failure isolation: each key runs under `pcall`, so one key's error (WRONGTYPE, OOM) rejects
 *   that check only; a transport error (connection lost, timeout) rejects the checks it carried,
 *   as it would have rejected their separate commands.
 * - Redis Cluster: a script may only touch keys of one slot, so batches are grouped by hash tag
 *   (every storage key carries one) and each group is sent through the client's own
 *   auto-pipelining (one write per node).
 * - NOSCRIPT (restarted or flushed server, new cluster node): the batch is re-sent once as
 *   EVAL, which also caches the script there for the next EVALSHA.
 */
import { createHash } from 'node:crypto';
import { Command } from 'ioredis';
import { z } from 'zod';
import { parseOptions } from '../config/settings.js';
import { KitError } from '../errors/kit-error.js';
import { DEFAULT_STORE_TIMEOUT_MS, withDeadline } from '../redis/deadline.js';
import type { RedisClient } from '../redis/index.js';
import { storageKeyHashTag } from './keys.js';
import { PACKED_REMAINING_UNIT, rateLimitBatchLua, rateLimitLua } from './redis-scripts.js';
import type { RateLimitStorePolicy, RateLimitStore, StoreCheckResult, StoreInfoResult } from './types.js';

/** An allowed check's packed integer, or `[allowed, remaining, retryAfterMs, resetAfterMs, current]`. */
type ScriptReply = number | [number, number, number, number, number];

interface Script {
  lua: string;
  sha: string;
}

interface PolicyScripts {
  batch: Script;
  info: (key: string) => Promise<ScriptReply>;
}

/** Checks waiting for the next flush, for one policy (and, on a cluster, one hash tag). */
interface Batch {
  scripts: PolicyScripts;
  keys: string[];
  resolves: ((result: StoreCheckResult) => void)[];
  rejects: ((error: unknown) => void)[];
  /** Set once the batch is answered or failed: a late reply (after the deadline) is dropped. */
  settled: boolean;
  deadline?: ReturnType<typeof setTimeout>;
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

const script = (lua: string): Script => ({ lua, sha: createHash('sha1').update(lua).digest('hex') });

/** A read script as an ioredis command (`defineCommand`: EVALSHA, EVAL on NOSCRIPT), defined once per client. */
function infoCommand(client: RedisClient, lua: string, sha: string): (key: string) => Promise<ScriptReply> {
  const name = `epkRateLimitInfo${sha.slice(0, 16)}`;
  const commands = client as unknown as Record<string, ((key: string) => Promise<ScriptReply>) | undefined>;
  if (typeof commands[name] !== 'function') client.defineCommand(name, { numberOfKeys: 1, lua });
  return (key) => commands[name]!.call(client, key);
}

/** States in which ioredis would only queue commands: fail fast instead (see onStoreError). */
const DOWN_STATES = new Set(['reconnecting', 'end', 'close', 'disconnecting']);

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
      const info = script(rateLimitLua(policy, false));
      scripts = { batch: script(rateLimitBatchLua(policy)), info: infoCommand(client, info.lua, info.sha) };
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

  // The queue: on a single server one batch per policy; on a cluster one per policy and tag.
  const open = new Map<PolicyScripts | string, Batch>();
  let flushScheduled = false;

  function settle(batch: Batch, error: unknown, replies: unknown): void {
    if (batch.settled) return;
    batch.settled = true;
    if (batch.deadline !== undefined) clearTimeout(batch.deadline);
    const { resolves, rejects } = batch;
    if (error !== null) {
      for (const reject of rejects) reject(error);
      return;
    }
    if (!Array.isArray(replies) || replies.length !== resolves.length) {
      const malformed = new TypeError('unexpected reply to the rate limit batch script');
      for (const reject of rejects) reject(malformed);
      return;
    }
    for (let i = 0; i < resolves.length; i++) {
      const reply = replies[i] as ScriptReply | Error;
      if (reply instanceof Error) rejects[i]!(reply);
      else resolves[i]!(decodeCheck(reply));
    }
  }

  function send(batch: Batch, verb: 'EVALSHA' | 'EVAL'): void {
    const { scripts, keys } = batch;
    const args: (string | number)[] = [verb === 'EVALSHA' ? scripts.batch.sha : scripts.batch.lua, keys.length, ...keys];
    const done = (error: Error | null | undefined, replies?: unknown): void => {
      if (error && verb === 'EVALSHA' && isNoScript(error)) send(batch, 'EVAL');
      else settle(batch, error ?? null, replies);
    };
    if (cluster) {
      // slot routing, redirections and per-node pipelining are the cluster client's job
      (client.call(verb, ...args) as Promise<unknown>).then((replies) => done(null, replies), done);
    } else {
      // Straight onto the connection: the batch already is the pipeline, so waiting for the
      // client's own auto-pipeline flush (another event-loop turn) would only add latency.
      client.sendCommand(new Command(verb.toLowerCase(), args, undefined, done));
    }
  }

  /** Fails `batch` as a whole once the deadline passes (its reply, if it comes, is dropped). */
  function arm(batch: Batch): void {
    if (!(timeoutMs > 0) || timeoutMs === Number.POSITIVE_INFINITY) return;
    batch.deadline = setTimeout(() => settle(batch, new KitError('ERR_STORE_UNAVAILABLE',
      `Redis did not answer the rate limit check within ${timeoutMs} ms`), null), timeoutMs);
    batch.deadline.unref();
  }

  function flush(): void {
    flushScheduled = false;
    const batches = [...open.values()];
    open.clear();
    for (const batch of batches) {
      arm(batch);
      send(batch, 'EVALSHA');
    }
  }

  function enqueue(key: string, scripts: PolicyScripts, resolve: (r: StoreCheckResult) => void, reject: (e: unknown) => void): void {
    const slotKey: PolicyScripts | string = cluster ? `${scripts.batch.sha}\n${storageKeyHashTag(key)}` : scripts;
    let batch = open.get(slotKey);
    if (batch === undefined || batch.keys.length >= maxBatchSize) {
      if (batch !== undefined) { // full: send it now, start the next one
        arm(batch);
        send(batch, 'EVALSHA');
      }
      batch = { scripts, keys: [], resolves: [], rejects: [], settled: false };
      open.set(slotKey, batch);
    }
    batch.keys.push(key);
    batch.resolves.push(resolve);
    batch.rejects.push(reject);
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  }

  return {
    kind: 'redis',
    client,
    check(key: string, policy: RateLimitStorePolicy): Promise<StoreCheckResult> {
      const status = down();
      if (status !== undefined) return Promise.reject(new RedisNotReadyError(status));
      const scripts = scriptsFor(policy);
      return new Promise((resolve, reject) => enqueue(key, scripts, resolve, reject));
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
