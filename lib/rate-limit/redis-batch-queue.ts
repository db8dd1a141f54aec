/**
 * The Redis store's batch queue. Every check is one atomic Lua script run (redis-scripts.ts,
 * built per policy), and the checks a process issues in one event-loop turn share ONE script call: they
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
 * - Deadline: a batch not answered within `timeoutMs` (a paused or stopped server) fails as a
 *   whole with ERR_STORE_UNAVAILABLE; a reply arriving later is dropped.
 */
import { createHash } from 'node:crypto';
import { Command } from 'ioredis';
import { KitError } from '../errors/kit-error.js';
import type { RedisClient } from '../redis/index.js';
import { blockKeyOf, storageKeyHashTag } from './keys.js';
import { PACKED_REMAINING_UNIT } from './redis-scripts.js';
import type { StoreCheckResult } from './types.js';

/** An allowed check's packed integer, or `[allowed, remaining, retryAfterMs, resetAfterMs, current]`. */
export type ScriptReply = number | [number, number, number, number, number];

/** A batch script's text and SHA-1 (EVALSHA), and whether each check also sends its block key. */
export interface BatchScript {
  lua: string;
  sha: string;
  /** Each check's block key follows its key in KEYS (a policy with `blockMs`). */
  withBlockKeys: boolean;
  /** A hitAll script: each entry of the batch is a set of checks answered as an array. */
  sets?: boolean;
}

/** The batch script of `lua`. */
export const batchScript = (lua: string, withBlockKeys = false, sets = false): BatchScript =>
  ({ lua, sha: createHash('sha1').update(lua).digest('hex'), withBlockKeys, sets });

/** Checks waiting for the next flush, for one policy (and, on a cluster, one hash tag). */
interface Batch {
  script: BatchScript;
  keys: string[];
  /** One cost per check (ARGV), once the batch's checks differ in cost, or for sets. */
  costs?: number[];
  /** Without `costs`: the one cost every check of the batch charges (ARGV: none for 1, else this number). */
  cost?: number;
  resolves: ((result: StoreCheckResult & StoreCheckResult[]) => void)[];
  rejects: ((error: unknown) => void)[];
  /** Set once the batch is answered or failed: a late reply (after the deadline) is dropped. */
  settled: boolean;
  deadline?: ReturnType<typeof setTimeout>;
}

/** Adds one check (of `cost` units) to the batch of its script (and slot); settles through `resolve`/`reject`. */
export type Enqueue = (key: string, script: BatchScript, resolve: (r: StoreCheckResult) => void, reject: (e: unknown) => void, cost?: number) => void;

/**
 * Adds one hitAll set to the batch of its script (one slot): `keys` are its (key, block key)
 * pairs, `costs` one per check; settles with one answer per check.
 */
export type EnqueueSet = (keys: string[], costs: number[], script: BatchScript, resolve: (r: StoreCheckResult[]) => void, reject: (e: unknown) => void) => void;

/** A store's queue: single checks, and hitAll sets (their own scripts, batched alike). */
export interface BatchQueue {
  check: Enqueue;
  set: EnqueueSet;
}

const isNoScript = (error: unknown): boolean => error instanceof Error && error.message.startsWith('NOSCRIPT');

export function decodeCheck(reply: ScriptReply): StoreCheckResult {
  if (typeof reply === 'number') {
    const remaining = Math.floor(reply / PACKED_REMAINING_UNIT);
    return { allowed: true, remaining, retryAfterMs: 0, resetAfterMs: reply - remaining * PACKED_REMAINING_UNIT };
  }
  return { allowed: reply[0] === 1, remaining: reply[1], retryAfterMs: reply[2], resetAfterMs: reply[3] };
}

/** Answers every check of `batch` from its replies, or fails them all with `error`; only once. */
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
  const sets = batch.script.sets === true;
  for (let i = 0; i < resolves.length; i++) {
    const reply = replies[i] as ScriptReply | ScriptReply[] | Error;
    if (reply instanceof Error) rejects[i]!(reply);
    else if (sets) resolves[i]!((reply as ScriptReply[]).map(decodeCheck) as StoreCheckResult & StoreCheckResult[]);
    else resolves[i]!(decodeCheck(reply as ScriptReply) as StoreCheckResult & StoreCheckResult[]);
  }
}

/** The queue of one store: batches flushed at `setImmediate`, each with a deadline of `timeoutMs`. */
export function createBatchQueue(client: RedisClient, options: { maxBatchSize: number; timeoutMs: number }): BatchQueue {
  const { maxBatchSize, timeoutMs } = options;
  const cluster = (client as { isCluster?: boolean }).isCluster === true;
  // The queue: on a single server one batch per policy; on a cluster one per policy and tag.
  const open = new Map<BatchScript | string, Batch>();
  let flushScheduled = false;

  function send(batch: Batch, verb: 'EVALSHA' | 'EVAL'): void {
    const { script, keys, costs, cost } = batch;
    const args: (string | number)[] = [verb === 'EVALSHA' ? script.sha : script.lua, keys.length, ...keys];
    if (costs !== undefined) for (const each of costs) args.push(each);
    else if (cost !== undefined && cost !== 1) args.push(cost);
    const done = (error: Error | null | undefined, replies?: unknown): void => {
      if (error && verb === 'EVALSHA' && isNoScript(error)) send(batch, 'EVAL');
      else settle(batch, error ?? null, replies);
    };
    if (cluster) {
      // slot routing, redirections and per-node pipelining are the cluster client's job
      (client.call(verb, ...args) as Promise<unknown>).then((replies) => done(null, replies), done);
    } else {
      // Straight onto the connection: the batch already is the pipeline, so waiting for the
      // client's own auto-pipeline flush (another event-loop turn) would only add latency. Not
      // `defineCommand` (used for the read script): measured no faster (bench/rate-limit/
      // define-command.ts, RESULTS.md), and on a Cluster with auto-pipelining ioredis refuses a
      // variable-key custom command ("All keys in the pipeline should belong to the same slots
      // allocation group"), so the batch would need a second path there anyway.
      client.sendCommand(new Command(verb.toLowerCase(), args, undefined, done));
    }
  }

  /** Sends `batch`, failing it as a whole once the deadline passes (a later reply is dropped). */
  function dispatch(batch: Batch): void {
    if (timeoutMs > 0 && timeoutMs !== Number.POSITIVE_INFINITY) {
      batch.deadline = setTimeout(() => settle(batch, new KitError('ERR_STORE_UNAVAILABLE',
        `Redis did not answer the rate limit check within ${timeoutMs} ms`), null), timeoutMs);
      batch.deadline.unref();
    }
    send(batch, 'EVALSHA');
  }

  function flush(): void {
    flushScheduled = false;
    const batches = [...open.values()];
    open.clear();
    for (const batch of batches) dispatch(batch);
  }

  /** The open batch of `script` for the slot of `key`, a fresh one when full; flush scheduled. */
  function batchFor(key: string, script: BatchScript): Batch {
    const slotKey: BatchScript | string = cluster ? `${script.sha}\n${storageKeyHashTag(key)}` : script;
    let batch = open.get(slotKey);
    if (batch === undefined || batch.resolves.length >= maxBatchSize) {
      if (batch !== undefined) dispatch(batch); // full: send it now, start the next one
      batch = { script, keys: [], resolves: [], rejects: [], settled: false };
      open.set(slotKey, batch);
    }
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
    return batch;
  }

  const check: Enqueue = (key, script, resolve, reject, cost = 1) => {
    const batch = batchFor(key, script);
    // One cost for the whole batch while every check charges the same (ARGV is that one
    // number, or nothing for 1); one per check once they differ.
    if (batch.costs !== undefined) batch.costs.push(cost);
    else if (batch.resolves.length === 0) batch.cost = cost;
    else if (cost !== batch.cost) {
      batch.costs = batch.resolves.map(() => batch.cost!);
      batch.costs.push(cost);
    }
    batch.keys.push(key);
    if (script.withBlockKeys) batch.keys.push(blockKeyOf(key));
    batch.resolves.push(resolve as (r: StoreCheckResult & StoreCheckResult[]) => void);
    batch.rejects.push(reject);
  };
  const set: EnqueueSet = (keys, costs, script, resolve, reject) => {
    const batch = batchFor(keys[0]!, script);
    const argv = (batch.costs ??= []);
    for (const cost of costs) argv.push(cost);
    for (const key of keys) batch.keys.push(key);
    batch.resolves.push(resolve as (r: StoreCheckResult & StoreCheckResult[]) => void);
    batch.rejects.push(reject);
  };
  return { check, set };
}
