/**
 * `createRateLimiter()`: one policy (or per-call dynamic ones), one store, created once. No
 * Express here.
 */
import { KitError, isKitError } from '../errors/kit-error.js';
import { BoundedMap } from './bounded-map.js';
import { hitAllInGroups, lookAsAnswer } from './hit-all.js';
import { rateLimitStorageKey } from './keys.js';
import { resolveLimiterOptions, type RateLimiterOptions } from './limiter-options.js';
import {
  isPromiseLike,
  type MaybePromise, type RateLimitAlgorithm, type RateLimitCallOptions, type RateLimitCheck, type RateLimitInfo, type RateLimitMultiResult,
  type RateLimitRefundResult, type RateLimitResult, type RateLimitStore, type RateLimitStorePolicy, type StoreCheckResult, type StoreMultiCheck,
} from './types.js';

export type { RateLimiterOptions } from './limiter-options.js';

/** Which counters a call reads: the limiter's policy, or a dynamic one (`limit`, `windowMs`). */
export type RateLimitPolicyOptions = Pick<RateLimitCallOptions, 'limit' | 'windowMs'>;

/** A limiter: `check` counts, `refund` gives back, `info` reads, `reset` forgets. */
export interface RateLimiter {
  readonly name: string;
  readonly algorithm: RateLimitAlgorithm;
  readonly limit: number;
  readonly windowMs: number;
  /** Token-bucket capacity (`limit` for the other algorithms). */
  readonly capacity: number;
  /** Block penalty after a denial (0: none). */
  readonly blockMs: number;
  readonly store: RateLimitStore;
  /**
   * Charges `cost` units (default 1) for `key` if they all fit, else none. Resolves with the
   * decision, or rejects with a `KitError` `ERR_STORE_UNAVAILABLE` (never a fake rejection)
   * when the store fails, or a `RangeError`/`TypeError` for a bad cost or policy.
   */
  check(key: string, options?: RateLimitCallOptions): Promise<RateLimitResult>;
  /**
   * `check()` at the store's own pace: the decision itself when the store answered
   * synchronously (memory, or a key known to be blocked), else a promise. Never throws: a
   * failure is a rejected promise, as from `check()`. The middleware's path.
   */
  hit(key: string, options?: RateLimitCallOptions): MaybePromise<RateLimitResult>;
  /**
   * Several checks (keys, costs, policies) together, all or nothing: if one denies, none is
   * charged, and `deniedIndex` names the first that denies. Memory: synchronous. One Redis:
   * one script call. Redis Cluster: one call per slot, charged groups refunded on a denial.
   */
  hitAll(checks: readonly RateLimitCheck[]): MaybePromise<RateLimitMultiResult>;
  /** `hitAll()` as a promise. */
  checkAll(checks: readonly RateLimitCheck[]): Promise<RateLimitMultiResult>;
  /**
   * Gives back `units` (default 1) charged to `key` under `policy` (default: the limiter's),
   * atomically, never below zero used. Sliding log: the newest entries go (the log cannot tell
   * whose they were, so an older request's units come back a little later than exact).
   */
  refund(key: string, units?: number, policy?: RateLimitPolicyOptions): Promise<RateLimitRefundResult>;
  /** The state of `key`, without counting. */
  info(key: string, policy?: RateLimitPolicyOptions): Promise<RateLimitInfo>;
  /** Forgets `key` (its counters and this process's blocked-key cache). */
  reset(key: string, policy?: RateLimitPolicyOptions): Promise<void>;
}

/** Most client keys whose storage keys (and blocked waits) one limiter remembers. */
const MAX_CACHED_KEYS = 10_000;
/** Client keys longer than this are not cached (their storage key is a hash anyway). */
const MAX_CACHED_KEY_LENGTH = 256;
/** Most distinct dynamic policies one limiter keeps (each is one script per Redis). */
const MAX_POLICIES = 1024;
const MAX_LIMIT = 1_000_000;
const MAX_WINDOW_MS = 31 * 24 * 3600 * 1000;

function storeError(store: RateLimitStore, cause: unknown): KitError {
  if (isKitError(cause) && cause.code === 'ERR_STORE_UNAVAILABLE') return cause;
  return new KitError('ERR_STORE_UNAVAILABLE', `Rate limit store (${store.kind}) is unavailable`, { cause });
}

/** Runs a store call that may throw, answer now or answer later; every failure becomes `ERR_STORE_UNAVAILABLE`. */
function fromStore<T, R>(store: RateLimitStore, call: () => MaybePromise<T>, map: (value: T) => R): MaybePromise<R> {
  let answer: MaybePromise<T>;
  try {
    answer = call();
  } catch (error) {
    return Promise.reject(storeError(store, error));
  }
  if (isPromiseLike(answer)) return answer.then(map, (error: unknown) => Promise.reject(storeError(store, error)));
  return map(answer);
}

const toPromise = <T>(value: MaybePromise<T>): Promise<T> => (isPromiseLike(value) ? value : Promise.resolve(value));

/** `value` as a whole number in [min, max], or a RangeError naming `what`. */
function wholeNumber(value: unknown, what: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`rate limit ${what} must be an integer from ${min} to ${max} (got ${typeof value === 'number' ? value : typeof value})`);
  }
  return value;
}

/**
 * Keys this process already saw over the limit, answered without the store until their wait
 * ends (a flood costs no store calls). Only denials that hold for any cost are kept: a
 * one-unit denial or a block.
 */
function blockedKeys() {
  const blocked = new BoundedMap<string, { until: number; result: RateLimitResult }>(MAX_CACHED_KEYS);
  return {
    remember(storageKey: string, result: RateLimitResult): void {
      if (!result.allowed && result.retryAfterMs > 0 && (result.cost === 1 || result.policy.blockMs)) {
        blocked.set(storageKey, { until: Date.now() + result.retryAfterMs, result });
      }
    },
    known(storageKey: string, policy: RateLimitStorePolicy, cost: number): RateLimitResult | undefined {
      const hit = blocked.get(storageKey);
      if (hit === undefined) return undefined;
      const wait = hit.until - Date.now();
      if (wait > 0) {
        const { result } = hit;
        if (result.policy !== policy || (cost < 1 && !policy.blockMs)) return undefined;
        return { allowed: false, limit: result.limit, remaining: 0, resetAt: result.resetAt, retryAfterMs: wait, used: result.limit, cost, policy };
      }
      blocked.delete(storageKey);
      return undefined;
    },
    forget(storageKey: string): void {
      blocked.delete(storageKey);
    },
  };
}

/**
 * Creates a rate limiter. Validates options now (a `ConfigError` for bad ones); the store and
 * its Redis connection are set up once, here, never per request.
 *
 * @example
 * ```ts
 * const limiter = createRateLimiter({ name: 'login', limit: 5, windowMs: 60_000, redis: process.env.REDIS_URL })
 * const { allowed, retryAfterMs } = await limiter.check(`email:${email}`)
 * ```
 */
export function createRateLimiter(options: RateLimiterOptions = {}): RateLimiter {
  const { name, policy, store, cacheBlockedKeys } = resolveLimiterOptions(options);
  const { algorithm, limit, windowMs, capacity } = policy;
  const blockMs = policy.blockMs ?? 0;
  const features = new Set(store.features ?? []);
  // Storage keys of recent clients: building one (escape check, concatenation, maybe a hash)
  // costs more than an in-memory check itself.
  const storageKeys = new BoundedMap<string, string>(MAX_CACHED_KEYS);
  const blocked = cacheBlockedKeys ? blockedKeys() : undefined;
  // Dynamic policies, one object per distinct (limit, window, block): the Redis store builds
  // and caches one script per policy object.
  const policies = new BoundedMap<string, RateLimitStorePolicy>(MAX_POLICIES);

  const keyOf = (key: string): string => {
    let storageKey = storageKeys.get(key);
    if (storageKey === undefined) {
      if (typeof key !== 'string') throw new TypeError('rate limiter key must be a string');
      storageKey = rateLimitStorageKey(name, algorithm, key);
      if (key.length <= MAX_CACHED_KEY_LENGTH) storageKeys.set(key, storageKey);
    }
    return storageKey;
  };
  // The common dynamic policy is a per-plan limit alone: found by number, no id string built.
  // The last one found is checked first: most requests of a service come from its biggest plan.
  const byLimit = new BoundedMap<number, RateLimitStorePolicy>(MAX_POLICIES);
  let lastByLimit: RateLimitStorePolicy = policy;
  const policyOf = (call: RateLimitCallOptions | undefined): RateLimitStorePolicy => {
    if (call === undefined) return policy;
    const callLimit = call.limit ?? limit;
    if (call.windowMs === undefined && call.blockMs === undefined) {
      if (callLimit === lastByLimit.limit) return lastByLimit;
      if (callLimit === limit) return policy;
      const known = byLimit.get(callLimit);
      if (known !== undefined) return (lastByLimit = known);
    }
    const callWindowMs = call.windowMs ?? windowMs;
    const callBlockMs = call.blockMs ?? blockMs;
    if (callLimit === limit && callWindowMs === windowMs && callBlockMs === blockMs) return policy;
    const id = `${callLimit}/${callWindowMs}/${callBlockMs}`;
    let dynamic = policies.get(id);
    if (dynamic === undefined) {
      wholeNumber(callLimit, 'limit', 1, MAX_LIMIT);
      wholeNumber(callWindowMs, 'windowMs', 1, MAX_WINDOW_MS);
      wholeNumber(callBlockMs, 'blockMs', 0, MAX_WINDOW_MS);
      if (callBlockMs > 0 && !features.has('block')) throw new TypeError(`rate limit store "${store.kind}" does not support blockMs (it lacks the 'block' feature)`);
      // a token bucket with an explicit burst keeps it; otherwise the capacity is the limit
      const callCapacity = algorithm === 'token-bucket' && capacity !== limit ? capacity : callLimit;
      dynamic = Object.freeze({ algorithm, limit: callLimit, windowMs: callWindowMs, capacity: callCapacity, blockMs: callBlockMs });
      policies.set(id, dynamic);
      if (callWindowMs === windowMs && callBlockMs === blockMs) byLimit.set(callLimit, dynamic);
    }
    return dynamic;
  };
  /** The storage key of `key` under `callPolicy` (its own counters for another window length). */
  const storageKeyOf = (key: string, callPolicy: RateLimitStorePolicy): string =>
    (callPolicy.windowMs === windowMs ? keyOf(key) : `${keyOf(key)}:${callPolicy.windowMs}`);
  const supportsCost = features.has('cost');
  /** A validated cost other than 1 (the caller checked `cost !== undefined && cost !== 1`). */
  const otherCost = (cost: unknown): number => {
    wholeNumber(cost, 'cost', 0, Number.MAX_SAFE_INTEGER);
    if (!supportsCost) throw new TypeError(`rate limit store "${store.kind}" does not support cost (it lacks the 'cost' feature)`);
    return cost as number;
  };
  const costOf = (call: RateLimitCallOptions | undefined): number => {
    const cost = call?.cost;
    return cost === undefined || cost === 1 ? 1 : otherCost(cost);
  };
  /** The store's durations as instants of this process's clock, read at `now` (when the answer came). */
  const toResult = (storageKey: string, r: StoreCheckResult, now: number, callPolicy: RateLimitStorePolicy, cost: number): RateLimitResult => {
    const limitNow = callPolicy.capacity;
    const result = {
      allowed: r.allowed, limit: limitNow, remaining: r.remaining, resetAt: now + r.resetAfterMs, retryAfterMs: r.retryAfterMs,
      used: limitNow > r.remaining ? limitNow - r.remaining : 0, cost, policy: callPolicy,
    };
    blocked?.remember(storageKey, result);
    return result;
  };

  function hit(key: string, call?: RateLimitCallOptions): MaybePromise<RateLimitResult> {
    let storageKey: string;
    let callPolicy = policy;
    let cost = 1;
    try {
      if (call === undefined) {
        storageKey = keyOf(key); // the plain path: the limiter's policy, one unit
      } else {
        // per-call options, kept lean: a call that sets only `cost` (or only `limit`) is common
        if (call.limit !== undefined || call.windowMs !== undefined || call.blockMs !== undefined) callPolicy = policyOf(call);
        storageKey = storageKeyOf(key, callPolicy);
        const callCost = call.cost;
        if (callCost !== undefined && callCost !== 1) cost = otherCost(callCost);
      }
    } catch (error) {
      return Promise.reject(error);
    }
    if (blocked !== undefined) {
      const known = blocked.known(storageKey, callPolicy, cost);
      if (known !== undefined) return known;
    }
    // the request path: fromStore's shape, without its two closures per call
    // One clock read per check: it is also the memory store's clock (Date.now costs ~0.1 µs here).
    const now = Date.now();
    let answer: MaybePromise<StoreCheckResult>;
    try {
      answer = cost === 1 ? store.check(storageKey, callPolicy, now) : store.check(storageKey, callPolicy, now, cost);
    } catch (error) {
      return Promise.reject(storeError(store, error));
    }
    if (!isPromiseLike(answer)) return toResult(storageKey, answer, now, callPolicy, cost);
    return answer.then((r) => toResult(storageKey, r, Date.now(), callPolicy, cost), (error: unknown) => Promise.reject(storeError(store, error)));
  }

  /** A store without `hitAll`: one check at a time (each atomic), in order, refunds on a denial (hit-all.ts). */
  const hitAllByRefund = (checks: StoreMultiCheck[], now: number): Promise<StoreCheckResult[]> => hitAllInGroups(checks, checks.map((c, i) => ({
    indexes: [i],
    run: async () => [await toPromise(c.cost === 1 ? store.check(c.key, c.policy, now) : store.check(c.key, c.policy, now, c.cost))],
  })), (c) => toPromise(store.refund!(c.key, c.cost, c.policy)), async (c) => lookAsAnswer(await toPromise(store.info(c.key, c.policy)), c.cost));

  function hitAll(checks: readonly RateLimitCheck[]): MaybePromise<RateLimitMultiResult> {
    let storeChecks: StoreMultiCheck[];
    try {
      if (!Array.isArray(checks)) throw new TypeError('hitAll() takes an array of checks');
      const seen = new Set<string>();
      storeChecks = checks.map((check) => {
        const callPolicy = policyOf(check);
        const storageKey = storageKeyOf(check?.key, callPolicy);
        if (seen.has(storageKey)) throw new TypeError(`hitAll() checks must count different counters: key "${check.key}" appears twice with window ${callPolicy.windowMs} ms`);
        seen.add(storageKey);
        return { key: storageKey, policy: callPolicy, cost: costOf(check) };
      });
      if (storeChecks.length > 1 && store.hitAll === undefined && store.refund === undefined) {
        throw new TypeError(`rate limit store "${store.kind}" has neither hitAll nor refund, so it cannot check several policies all or nothing`);
      }
    } catch (error) {
      return Promise.reject(error);
    }
    const now = Date.now();
    const toMulti = (answers: StoreCheckResult[], at: number): RateLimitMultiResult => {
      const results = answers.map((r, i) => toResult(storeChecks[i]!.key, r, at, storeChecks[i]!.policy, storeChecks[i]!.cost));
      const deniedIndex = results.findIndex((r) => !r.allowed);
      return { allowed: deniedIndex === -1, deniedIndex, results };
    };
    if (storeChecks.length === 0) return { allowed: true, deniedIndex: -1, results: [] };
    const answer = fromStore(store, () => (store.hitAll ? store.hitAll(storeChecks, now) : hitAllByRefund(storeChecks, now)), (answers) => answers);
    if (!isPromiseLike(answer)) return toMulti(answer, now);
    return answer.then((answers) => toMulti(answers, Date.now()));
  }

  return {
    name, algorithm, limit, windowMs, capacity, blockMs, store,
    hit,
    check: (key, call) => toPromise(hit(key, call)),
    hitAll,
    checkAll: (checks) => toPromise(hitAll(checks)),
    refund: async (key, units = 1, call) => {
      wholeNumber(units, 'refund units', 0, Number.MAX_SAFE_INTEGER);
      const callPolicy = policyOf(call);
      const storageKey = storageKeyOf(key, callPolicy);
      if (store.refund === undefined) throw new TypeError(`rate limit store "${store.kind}" does not support refund`);
      blocked?.forget(storageKey);
      if (units === 0) return toPromise(fromStore(store, () => store.info(storageKey, callPolicy), (r) => ({ refunded: 0, remaining: r.remaining })));
      return toPromise(fromStore(store, () => store.refund!(storageKey, units, callPolicy, Date.now()), (r) => ({ refunded: r.refunded, remaining: r.remaining })));
    },
    info: async (key, call) => {
      const callPolicy = policyOf(call);
      const storageKey = storageKeyOf(key, callPolicy);
      return toPromise(fromStore(store, () => store.info(storageKey, callPolicy), (r): RateLimitInfo => (
        { limit: callPolicy.capacity, remaining: r.remaining, resetAt: Date.now() + r.resetAfterMs, current: r.current, windowMs: callPolicy.windowMs }
      )));
    },
    reset: async (key, call) => {
      const callPolicy = policyOf(call);
      const storageKey = storageKeyOf(key, callPolicy);
      blocked?.forget(storageKey);
      await toPromise(fromStore(store, () => store.reset(storageKey, callPolicy), () => undefined));
    },
  };
}
