/**
 * `createRateLimiter()`: one policy, one store, created once. No Express here.
 */
import { KitError, isKitError } from '../errors/kit-error.js';
import { BoundedMap } from './bounded-map.js';
import { rateLimitStorageKey } from './keys.js';
import { resolveLimiterOptions, type RateLimiterOptions } from './limiter-options.js';
import {
  isPromiseLike,
  type MaybePromise, type RateLimitAlgorithm, type RateLimitInfo, type RateLimitResult, type RateLimitStore, type StoreCheckResult,
} from './types.js';

export type { RateLimiterOptions } from './limiter-options.js';

/** A limiter: `check` counts, `info` reads, `reset` forgets. */
export interface RateLimiter {
  readonly name: string;
  readonly algorithm: RateLimitAlgorithm;
  readonly limit: number;
  readonly windowMs: number;
  /** Token-bucket capacity (`limit` for the other algorithms). */
  readonly capacity: number;
  readonly store: RateLimitStore;
  /**
   * Counts one request for `key` if it fits. Resolves with the decision, or rejects with a
   * `KitError` `ERR_STORE_UNAVAILABLE` (never a fake rejection) when the store fails.
   */
  check(key: string): Promise<RateLimitResult>;
  /**
   * `check()` at the store's own pace: the decision itself when the store answered
   * synchronously (memory, or a key known to be blocked), else a promise. Never throws: a
   * failure is a rejected promise, as from `check()`. The middleware's path.
   */
  hit(key: string): MaybePromise<RateLimitResult>;
  /** The state of `key`, without counting. */
  info(key: string): Promise<RateLimitInfo>;
  /** Forgets `key` (its counters and this process's blocked-key cache). */
  reset(key: string): Promise<void>;
}

/** Most client keys whose storage keys (and blocked waits) one limiter remembers. */
const MAX_CACHED_KEYS = 10_000;
/** Client keys longer than this are not cached (their storage key is a hash anyway). */
const MAX_CACHED_KEY_LENGTH = 256;

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

/**
 * Keys this process already saw over the limit, answered without the store until their wait
 * ends (a flood costs no store calls).
 */
function blockedKeys(capacity: number) {
  const blocked = new BoundedMap<string, { until: number; resetAt: number }>(MAX_CACHED_KEYS);
  return {
    remember(storageKey: string, result: RateLimitResult): void {
      if (!result.allowed && result.retryAfterMs > 0) blocked.set(storageKey, { until: Date.now() + result.retryAfterMs, resetAt: result.resetAt });
    },
    known(storageKey: string): RateLimitResult | undefined {
      const hit = blocked.get(storageKey);
      if (hit === undefined) return undefined;
      const wait = hit.until - Date.now();
      if (wait > 0) return { allowed: false, limit: capacity, remaining: 0, resetAt: hit.resetAt, retryAfterMs: wait };
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
  // Storage keys of recent clients: building one (escape check, concatenation, maybe a hash)
  // costs more than an in-memory check itself.
  const storageKeys = new BoundedMap<string, string>(MAX_CACHED_KEYS);
  const blocked = cacheBlockedKeys ? blockedKeys(capacity) : undefined;

  const keyOf = (key: string): string => {
    let storageKey = storageKeys.get(key);
    if (storageKey === undefined) {
      if (typeof key !== 'string') throw new TypeError('rate limiter key must be a string');
      storageKey = rateLimitStorageKey(name, algorithm, key);
      if (key.length <= MAX_CACHED_KEY_LENGTH) storageKeys.set(key, storageKey);
    }
    return storageKey;
  };
  /** The store's durations as instants of this process's clock, read at `now` (when the answer came). */
  const toResult = (storageKey: string, r: StoreCheckResult, now: number): RateLimitResult => {
    const result = { allowed: r.allowed, limit: capacity, remaining: r.remaining, resetAt: now + r.resetAfterMs, retryAfterMs: r.retryAfterMs };
    blocked?.remember(storageKey, result);
    return result;
  };

  function hit(key: string): MaybePromise<RateLimitResult> {
    let storageKey: string;
    try {
      storageKey = keyOf(key);
    } catch (error) {
      return Promise.reject(error);
    }
    if (blocked !== undefined) {
      const known = blocked.known(storageKey);
      if (known !== undefined) return known;
    }
    // the request path: fromStore's shape, without its two closures per call
    // One clock read per check: it is also the memory store's clock (Date.now costs ~0.1 µs here).
    const now = Date.now();
    let answer: MaybePromise<StoreCheckResult>;
    try {
      answer = store.check(storageKey, policy, now);
    } catch (error) {
      return Promise.reject(storeError(store, error));
    }
    if (!isPromiseLike(answer)) return toResult(storageKey, answer, now);
    return answer.then((r) => toResult(storageKey, r, Date.now()), (error: unknown) => Promise.reject(storeError(store, error)));
  }

  return {
    name, algorithm, limit, windowMs, capacity, store,
    hit,
    check: (key) => toPromise(hit(key)),
    info: async (key) => {
      const storageKey = keyOf(key);
      return toPromise(fromStore(store, () => store.info(storageKey, policy), (r): RateLimitInfo => (
        { limit: capacity, remaining: r.remaining, resetAt: Date.now() + r.resetAfterMs, current: r.current, windowMs }
      )));
    },
    reset: async (key) => {
      const storageKey = keyOf(key);
      blocked?.forget(storageKey);
      await toPromise(fromStore(store, () => store.reset(storageKey, policy), () => undefined));
    },
  };
}
