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
  /**
   * Penalty after a denial, in milliseconds: the key stays denied this long without its
   * counters being read or written (stores with the `'block'` feature). 0 or absent: none.
   */
  blockMs?: number;
}

/**
 * Per-call overrides of `hit()`/`check()`/`hitAll()`: `cost` units charged (all or nothing),
 * and a dynamic policy (`limit`, `windowMs`, `blockMs` evaluated by the caller, e.g. from the
 * user's plan). A different `windowMs` counts in its own counters (`<key>` per window length);
 * a different `limit` reads the same counters (a plan upgrade keeps what was used).
 */
export interface RateLimitCallOptions {
  /** Units this request costs (a non-negative integer; default 1). Above the capacity: always denied. */
  cost?: number;
  /** Requests per window for this call (default: the limiter's). */
  limit?: number;
  /** Window for this call in milliseconds (default: the limiter's). */
  windowMs?: number;
  /** Block penalty for this call in milliseconds (default: the limiter's `blockMs`). */
  blockMs?: number;
}

/** One check of `hitAll()`: a client key and its own cost and policy. */
export interface RateLimitCheck extends RateLimitCallOptions {
  key: string;
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
  /** Units counted against the key now (`limit - remaining`). */
  used: number;
  /** Units this check asked for (charged only if allowed). */
  cost: number;
  /** The policy this check ran under (the limiter's, or the call's dynamic one). */
  policy: Readonly<RateLimitStorePolicy>;
}

/** The answer to `hitAll()`: all allowed and charged, or none charged. */
export interface RateLimitMultiResult {
  /** Whether every check fits (then every one was charged; otherwise none was). */
  allowed: boolean;
  /** Index of the first check (in the order given) that denies; -1 when allowed. */
  deniedIndex: number;
  /** One result per check, in order; when not allowed, each says whether it alone would fit. */
  results: RateLimitResult[];
}

/** The answer to `refund()`. */
export interface RateLimitRefundResult {
  /** Units given back (at most what is counted in the window; token bucket: up to full). */
  refunded: number;
  /** Units available after the refund. */
  remaining: number;
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

/** What a store answers for a refund. */
export interface StoreRefundResult {
  refunded: number;
  remaining: number;
}

/** One check of a store's `hitAll()`. */
export interface StoreMultiCheck {
  key: string;
  policy: RateLimitStorePolicy;
  cost: number;
}

/**
 * What a custom store declares it supports beyond one unit per check: `'cost'` (the 4th
 * argument of `check()`), `'block'` (`policy.blockMs`). The limiter refuses (a clear error) to
 * pass either to a store that does not declare it, instead of being silently ignored.
 */
export type RateLimitStoreFeature = 'cost' | 'block';

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
   * Counts `cost` units (default 1; only stores with the `'cost'` feature get another) against
   * `key` if they all fit the policy, else none (all or nothing). `now` is the limiter's reading of
   * this process's clock (epoch ms): a store on the same clock may use it instead of reading the
   * clock again (one read per check); a store with its own clock (Redis `TIME`) ignores it.
   */
  check(key: string, policy: RateLimitStorePolicy, now?: number, cost?: number): MaybePromise<StoreCheckResult>;
  /** Reads the state of `key` without counting. */
  info(key: string, policy: RateLimitStorePolicy): MaybePromise<StoreInfoResult>;
  /** Forgets `key`. */
  reset(key: string, policy: RateLimitStorePolicy): MaybePromise<void>;
  /** Features beyond one unit per check (see {@link RateLimitStoreFeature}). */
  readonly features?: readonly RateLimitStoreFeature[];
  /**
   * Gives back up to `units` counted against `key`, atomically, never below zero used.
   * Optional: without it the limiter's `refund()` fails with a clear error.
   */
  refund?(key: string, units: number, policy: RateLimitStorePolicy, now?: number): MaybePromise<StoreRefundResult>;
  /**
   * Checks several keys at one instant, all or nothing: if every check fits all are charged,
   * else none is, and each answer's `allowed` says whether that check alone fits. Optional:
   * without it the limiter checks one by one and refunds the charged ones on a denial.
   */
  hitAll?(checks: readonly StoreMultiCheck[], now?: number): MaybePromise<StoreCheckResult[]>;
}

/** Whether `value` is a promise (a thenable), i.e. the store answered later, not now. */
export function isPromiseLike<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
