/** Public types of the rate limiter (no Express, no Redis). */

/** The three algorithms. See docs/rate-limit.md "Choosing an algorithm". */
export type RateLimitAlgorithm = 'sliding-log' | 'sliding-window' | 'token-bucket';

/** Every supported algorithm, in documentation order. */
export const RATE_LIMIT_ALGORITHMS: readonly RateLimitAlgorithm[] = ['sliding-log', 'sliding-window', 'token-bucket'];

/** What one limiter enforces. */
export interface RateLimitStorePolicy {
  algorithm: RateLimitAlgorithm;
  /** Requests per window (token bucket: refill per window). */
  limit: number;
  windowMs: number;
  /** Token-bucket capacity; equals `limit` unless `burst` was given. Other algorithms: `limit`. */
  capacity: number;
}

/** The answer to one `check()`. */
export interface RateLimitResult {
  /** Whether this request may proceed (it was counted only if allowed). */
  allowed: boolean;
  /** The most requests a client can have available at once (token bucket: its capacity). */
  limit: number;
  /** Requests still available right now, after this one. */
  remaining: number;
  /**
   * Epoch milliseconds at which the full quota is back (`remaining === limit`). The store
   * decides in its own clock (Redis `TIME`) and answers a duration, converted here to this
   * process's clock, so it agrees with `retryAfterMs`.
   */
  resetAt: number;
  /** 0 when allowed; otherwise milliseconds until a retry succeeds (never early). */
  retryAfterMs: number;
}

/** State of one key without consuming anything (`RateLimiter.info`, admin routes). */
export interface RateLimitInfo {
  limit: number;
  remaining: number;
  resetAt: number;
  /** Requests currently counted against the key (token bucket: tokens in use). */
  current: number;
  windowMs: number;
}

/** What a store answers for one atomic check. Durations only: the store decides in its own clock. */
export interface StoreCheckResult {
  allowed: boolean;
  remaining: number;
  retryAfterMs: number;
  /** Milliseconds until the full quota is back. */
  resetAfterMs: number;
}

/** What a store answers for a read-only look at one key. */
export interface StoreInfoResult {
  remaining: number;
  current: number;
  resetAfterMs: number;
}

/** A value now (an in-process store) or later (a network store). */
export type MaybePromise<T> = T | Promise<T>;

/**
 * The plug-in boundary: a store runs one atomic check per call and may answer synchronously
 * (in-process stores: no promise hop per request) or with a promise. The limiter never knows
 * which store it has. Keys arrive already namespaced and escaped (safe for Redis hash tags).
 * A store signals failure by throwing or rejecting (the limiter turns either into
 * `ERR_STORE_UNAVAILABLE`), and settles every call within its own deadline.
 */
export interface RateLimitStore {
  /** `'memory'`, `'redis'` or your own name; used in messages. */
  readonly kind: string;
  /**
   * Counts one request against `key` if it fits the policy. `now` is the limiter's reading of
   * this process's clock (epoch ms): a store on the same clock may use it instead of reading the
   * clock again (one read per check); a store with its own clock (Redis `TIME`) ignores it.
   */
  check(key: string, policy: RateLimitStorePolicy, now?: number): MaybePromise<StoreCheckResult>;
  /** Reads the state of `key` without counting. */
  info(key: string, policy: RateLimitStorePolicy): MaybePromise<StoreInfoResult>;
  /** Forgets `key`. */
  reset(key: string, policy: RateLimitStorePolicy): MaybePromise<void>;
}

/** Whether `value` is a promise (a thenable), i.e. the store answered later, not now. */
export function isPromiseLike<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
