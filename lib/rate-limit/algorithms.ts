/**
 * The three algorithms in TypeScript, as pure functions over a small state: the memory store's
 * only implementation (the Redis store runs the same arithmetic in Lua, redis-scripts.ts; both
 * are tested against one suite). Times are epoch milliseconds (fractions allowed); waits are
 * rounded up, never down, so a client that retries after `retryAfterMs` is never rejected
 * again for the same reason. Each answers a check's result plus `current` (requests counted;
 * computed for read-only looks, 0 on the check path, which never reads it).
 */
import type { RateLimitStorePolicy, StoreCheckResult, StoreInfoResult } from './types.js';

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

/** Counts one request (when `consume`) in a sliding log and answers its state. */
export function slidingLog(state: SlidingLogState, policy: RateLimitStorePolicy, now: number, consume: boolean): Answer {
  const { limit, windowMs } = policy;
  let size = state.times.length;
  const horizon = now - windowMs;
  while (state.count > 0 && state.times[state.head]! <= horizon) {
    state.head = (state.head + 1) % size;
    state.count--;
  }
  if (consume && state.count < limit) {
    if (state.count === size) {
      grow(state, limit);
      size = state.times.length;
    }
    state.times[(state.head + state.count) % size] = now;
    state.count++;
    // the newest entry is now: the log is empty one window later
    return { allowed: true, remaining: limit - state.count, retryAfterMs: 0, resetAfterMs: Math.ceil(windowMs), current: state.count };
  }
  const { times } = state;
  const oldest = state.count > 0 ? times[state.head]! : now;
  const newest = state.count > 0 ? times[(state.head + state.count - 1) % size]! : horizon;
  return {
    allowed: false,
    remaining: limit - state.count,
    retryAfterMs: state.count < limit ? 0 : Math.max(1, Math.ceil(oldest + windowMs - now)),
    resetAfterMs: Math.max(0, Math.ceil(newest + windowMs - now)),
    current: state.count,
  };
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

/** Counts one request (when `consume`) in a sliding window and answers its state. */
export function slidingWindow(state: SlidingWindowState, policy: RateLimitStorePolicy, now: number, consume: boolean): Answer {
  const { limit, windowMs } = policy;
  const index = Math.floor(now / windowMs);
  rollWindow(state, index);
  const elapsed = now - index * windowMs;
  const weight = (windowMs - elapsed) / windowMs;
  let estimate = state.previous * weight + state.current;
  let allowed = false;
  if (consume && estimate + 1 <= limit + EPSILON) {
    state.current++;
    estimate += 1;
    allowed = true;
  }
  let retryAfterMs = 0;
  if (!allowed && estimate + 1 > limit + EPSILON) {
    retryAfterMs = Math.max(1, Math.ceil(slidingWindowWait(state, limit, windowMs, elapsed)));
  }
  const resetAfterMs = state.current > 0 ? 2 * windowMs - elapsed : state.previous > 0 ? windowMs - elapsed : 0;
  return {
    allowed,
    remaining: Math.max(0, Math.floor(limit - estimate + EPSILON)),
    retryAfterMs,
    resetAfterMs: Math.ceil(resetAfterMs),
    current: consume ? 0 : Math.ceil(estimate - EPSILON),
  };
}

/** Milliseconds until `previous * weight + current + 1 <= limit`. */
function slidingWindowWait(state: SlidingWindowState, limit: number, windowMs: number, elapsed: number): number {
  if (state.current + 1 <= limit && state.previous > 0) {
    const target = windowMs * (1 - (limit - 1 - state.current) / state.previous);
    return target - elapsed;
  }
  // The current window alone is full: wait for the next one, where it becomes `previous`.
  const target = windowMs * (1 - (limit - 1) / state.current);
  return windowMs - elapsed + target;
}

/** Token bucket: tokens left and when they were counted; refills `limit` per window. */
export interface TokenBucketState {
  tokens: number;
  at: number;
}

/** Takes one token (when `consume`) from a bucket and answers its state. */
export function tokenBucket(state: TokenBucketState, policy: RateLimitStorePolicy, now: number, consume: boolean): Answer {
  const { limit, windowMs, capacity } = policy;
  const ratePerMs = limit / windowMs;
  let tokens = Math.min(capacity, state.tokens + Math.max(0, now - state.at) * ratePerMs);
  let allowed = false;
  if (consume && tokens + EPSILON >= 1) {
    tokens -= 1;
    state.tokens = tokens;
    state.at = now;
    allowed = true;
  }
  return {
    allowed,
    remaining: Math.max(0, Math.floor(tokens + EPSILON)),
    retryAfterMs: allowed || tokens + EPSILON >= 1 ? 0 : Math.max(1, Math.ceil((1 - tokens) / ratePerMs)),
    resetAfterMs: Math.max(0, Math.ceil((capacity - tokens) / ratePerMs)),
    current: consume ? 0 : Math.max(0, Math.ceil(capacity - tokens - EPSILON)),
  };
}

/** The state of one key under whichever algorithm its policy uses (created on first use). */
export interface AlgorithmState {
  log?: SlidingLogState | undefined;
  window?: SlidingWindowState | undefined;
  bucket?: TokenBucketState | undefined;
}

/** Runs the policy's algorithm on `state` (counting one request when `consume`). */
export function applyAlgorithm(state: AlgorithmState, policy: RateLimitStorePolicy, now: number, consume: boolean): Answer {
  switch (policy.algorithm) {
    case 'sliding-log': {
      if (state.log === undefined || state.log.times.length > policy.limit) state.log = newSlidingLog(policy.limit);
      return slidingLog(state.log, policy, now, consume);
    }
    case 'sliding-window':
      return slidingWindow((state.window ??= { index: 0, current: 0, previous: 0 }), policy, now, consume);
    default:
      return tokenBucket((state.bucket ??= { tokens: policy.capacity, at: now }), policy, now, consume);
  }
}
