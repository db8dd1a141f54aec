/**
 * The three algorithms in TypeScript, as pure functions over a small state: the memory store's
 * only implementation (the Redis store runs the same arithmetic in Lua, redis-scripts.ts; both
 * are tested against one suite). Times are epoch milliseconds (fractions allowed); waits are
 * rounded up, never down, so a client that retries after `retryAfterMs` is never rejected
 * again for the same reason. Each answers a check's result plus `current` (requests counted;
 * computed for read-only looks, 0 on the check path, which never reads it).
 *
 * A check charges `cost` units, all or nothing. `consume: false` is a read-only look whose
 * `allowed` says whether `cost` would fit (`hitAll()`'s first phase, `info()`). A cost above
 * the capacity never fits; its `retryAfterMs` is then the wait for the full quota (the best
 * the key ever gets). Refunds give back units, never more than are counted.
 */
import type { RateLimitStorePolicy, StoreCheckResult, StoreInfoResult, StoreRefundResult } from './types.js';

/** What an algorithm answers: a check's result, and `current` for read-only looks. */
type Answer = StoreCheckResult & StoreInfoResult;

/** Tolerance for float comparisons (a retry at exactly `retryAfterMs` must pass). */
const EPSILON = 1e-9;

/**
 * Sliding log: a ring buffer of the timestamps of the allowed requests still in the window.
 * It starts small and doubles up to `limit`, so a key that sent one request holds a few bytes,
 * not `limit` slots.
 */
export interface SlidingLogState {
  times: Float64Array;
  head: number;
  count: number;
}

/** A fresh sliding-log state for `limit`. */
export function newSlidingLog(limit: number): SlidingLogState {
  return { times: new Float64Array(Math.min(limit, 8)), head: 0, count: 0 };
}

function grow(state: SlidingLogState, limit: number): void {
  const size = state.times.length;
  const bigger = new Float64Array(Math.min(limit, size * 2));
  for (let i = 0; i < state.count; i++) bigger[i] = state.times[(state.head + i) % size]!;
  state.times = bigger;
  state.head = 0;
}

/** Drops the entries that left the window. */
function expireLog(state: SlidingLogState, horizon: number): void {
  const size = state.times.length;
  while (state.count > 0 && state.times[state.head]! <= horizon) {
    state.head = (state.head + 1) % size;
    state.count--;
  }
}

/** Counts `cost` requests (when `consume` and they fit) in a sliding log and answers its state. */
export function slidingLog(state: SlidingLogState, policy: RateLimitStorePolicy, now: number, consume: boolean, cost = 1): Answer {
  const { limit, windowMs } = policy;
  expireLog(state, now - windowMs);
  if (consume && cost > 0 && state.count + cost <= limit) {
    if (cost === 1) {
      if (state.count === state.times.length) grow(state, limit);
      state.times[(state.head + state.count) % state.times.length] = now;
      state.count++;
    } else {
      while (state.count + cost > state.times.length) grow(state, limit);
      const size = state.times.length;
      for (let i = 0; i < cost; i++) state.times[(state.head + state.count + i) % size] = now;
      state.count += cost;
    }
    // the newest entry is now: the log is empty one window later
    return { allowed: true, remaining: limit - state.count, retryAfterMs: 0, resetAfterMs: Math.ceil(windowMs), current: state.count };
  }
  const { times, count } = state;
  const size = times.length;
  const newest = count > 0 ? times[(state.head + count - 1) % size]! : now - windowMs;
  const resetAfterMs = Math.max(0, Math.ceil(newest + windowMs - now));
  // `need` entries must leave the window before `cost` fits: wait for the need-th oldest
  const need = count + cost - limit;
  let retryAfterMs = 0;
  if (need > count) retryAfterMs = Math.max(1, resetAfterMs);
  else if (need > 0) retryAfterMs = Math.max(1, Math.ceil(times[(state.head + need - 1) % size]! + windowMs - now));
  return { allowed: need <= 0, remaining: Math.max(0, limit - count), retryAfterMs, resetAfterMs, current: count };
}

/** Gives back up to `units` of the newest entries (the log cannot tell whose they were). */
export function refundSlidingLog(state: SlidingLogState, policy: RateLimitStorePolicy, now: number, units: number): StoreRefundResult {
  expireLog(state, now - policy.windowMs);
  const refunded = Math.min(units, state.count);
  state.count -= refunded;
  return { refunded, remaining: Math.max(0, policy.limit - state.count) };
}

/** Sliding window: the counters of the current and the previous fixed window, weighted. */
export interface SlidingWindowState {
  index: number;
  current: number;
  previous: number;
}

/** Moves a sliding-window state to fixed window `index`: the current count becomes the previous one when adjacent. */
function rollWindow(state: SlidingWindowState, index: number): void {
  if (state.index !== index) {
    state.previous = state.index === index - 1 ? state.current : 0;
    state.current = 0;
    state.index = index;
  }
}

/** Counts `cost` requests (when `consume` and they fit) in a sliding window and answers its state. */
export function slidingWindow(state: SlidingWindowState, policy: RateLimitStorePolicy, now: number, consume: boolean, cost = 1): Answer {
  const { limit, windowMs } = policy;
  const index = Math.floor(now / windowMs);
  rollWindow(state, index);
  const elapsed = now - index * windowMs;
  const weight = (windowMs - elapsed) / windowMs;
  let estimate = state.previous * weight + state.current;
  const fits = estimate + cost <= limit + EPSILON;
  if (consume && fits && cost > 0) {
    state.current += cost;
    estimate += cost;
  }
  const resetAfterMs = Math.ceil(state.current > 0 ? 2 * windowMs - elapsed : state.previous > 0 ? windowMs - elapsed : 0);
  let retryAfterMs = 0;
  if (!fits) {
    retryAfterMs = cost > limit ? Math.max(1, resetAfterMs) : Math.max(1, Math.ceil(slidingWindowWait(state, limit, windowMs, elapsed, cost)));
  }
  return {
    allowed: fits,
    remaining: Math.max(0, Math.floor(limit - estimate + EPSILON)),
    retryAfterMs,
    resetAfterMs,
    current: consume ? 0 : Math.ceil(estimate - EPSILON),
  };
}

/** Milliseconds until `previous * weight + current + cost <= limit` (`cost <= limit`). */
function slidingWindowWait(state: SlidingWindowState, limit: number, windowMs: number, elapsed: number, cost: number): number {
  if (state.current + cost <= limit && state.previous > 0) {
    const target = windowMs * (1 - (limit - cost - state.current) / state.previous);
    return target - elapsed;
  }
  // The current window alone is too full: wait for the next one, where it becomes `previous`.
  const target = windowMs * (1 - (limit - cost) / state.current);
  return windowMs - elapsed + target;
}

/**
 * Gives back up to `units`: from the current window first, then from the previous one (a
 * request charged just before a window boundary and refunded just after).
 */
export function refundSlidingWindow(state: SlidingWindowState, policy: RateLimitStorePolicy, now: number, units: number): StoreRefundResult {
  const { limit, windowMs } = policy;
  const index = Math.floor(now / windowMs);
  rollWindow(state, index);
  const fromCurrent = Math.min(units, state.current);
  const fromPrevious = Math.min(units - fromCurrent, state.previous);
  state.current -= fromCurrent;
  state.previous -= fromPrevious;
  const weight = (windowMs - (now - index * windowMs)) / windowMs;
  return { refunded: fromCurrent + fromPrevious, remaining: Math.max(0, Math.floor(limit - (state.previous * weight + state.current) + EPSILON)) };
}

/** Token bucket: tokens left and when they were counted; refills `limit` per window. */
export interface TokenBucketState {
  tokens: number;
  at: number;
}

/** Takes `cost` tokens (when `consume` and they are there) from a bucket and answers its state. */
export function tokenBucket(state: TokenBucketState, policy: RateLimitStorePolicy, now: number, consume: boolean, cost = 1): Answer {
  const { limit, windowMs, capacity } = policy;
  const ratePerMs = limit / windowMs;
  let tokens = Math.min(capacity, state.tokens + Math.max(0, now - state.at) * ratePerMs);
  const fits = tokens + EPSILON >= cost;
  if (consume && fits && cost > 0) {
    tokens -= cost;
    state.tokens = tokens;
    state.at = now;
  }
  const resetAfterMs = Math.max(0, Math.ceil((capacity - tokens) / ratePerMs));
  let retryAfterMs = 0;
  if (!fits) retryAfterMs = cost > capacity ? Math.max(1, resetAfterMs) : Math.max(1, Math.ceil((cost - tokens) / ratePerMs));
  return {
    allowed: fits,
    remaining: Math.max(0, Math.floor(tokens + EPSILON)),
    retryAfterMs,
    resetAfterMs,
    current: consume ? 0 : Math.max(0, Math.ceil(capacity - tokens - EPSILON)),
  };
}

/**
 * Puts back up to `units` tokens, never above the capacity (exact: a bucket has no history).
 * `refunded` is rounded to whole units (the bucket itself keeps the fraction), as on Redis.
 */
export function refundTokenBucket(state: TokenBucketState, policy: RateLimitStorePolicy, now: number, units: number): StoreRefundResult {
  const { limit, windowMs, capacity } = policy;
  const tokens = Math.min(capacity, state.tokens + Math.max(0, now - state.at) * (limit / windowMs));
  const refunded = Math.min(units, capacity - tokens);
  state.tokens = tokens + refunded;
  state.at = now;
  return { refunded: Math.round(refunded), remaining: Math.max(0, Math.floor(state.tokens + EPSILON)) };
}

/** The state of one key under whichever algorithm its policy uses (created on first use). */
export interface AlgorithmState {
  log?: SlidingLogState | undefined;
  window?: SlidingWindowState | undefined;
  bucket?: TokenBucketState | undefined;
}

const logOf = (state: AlgorithmState, policy: RateLimitStorePolicy): SlidingLogState => {
  // a log sized for a larger (dynamic) limit is kept; one too small grows
  if (state.log === undefined) state.log = newSlidingLog(policy.limit);
  return state.log;
};

/** Runs the policy's algorithm on `state` (counting `cost` requests when `consume`). */
export function applyAlgorithm(state: AlgorithmState, policy: RateLimitStorePolicy, now: number, consume: boolean, cost = 1): Answer {
  switch (policy.algorithm) {
    case 'sliding-log':
      return slidingLog(logOf(state, policy), policy, now, consume, cost);
    case 'sliding-window':
      return slidingWindow((state.window ??= { index: 0, current: 0, previous: 0 }), policy, now, consume, cost);
    default:
      return tokenBucket((state.bucket ??= { tokens: policy.capacity, at: now }), policy, now, consume, cost);
  }
}

/** Gives back up to `units` on `state` under the policy's algorithm. */
export function refundAlgorithm(state: AlgorithmState, policy: RateLimitStorePolicy, now: number, units: number): StoreRefundResult {
  switch (policy.algorithm) {
    case 'sliding-log':
      return refundSlidingLog(logOf(state, policy), policy, now, units);
    case 'sliding-window':
      return refundSlidingWindow((state.window ??= { index: 0, current: 0, previous: 0 }), policy, now, units);
    default:
      return refundTokenBucket((state.bucket ??= { tokens: policy.capacity, at: now }), policy, now, units);
  }
}
