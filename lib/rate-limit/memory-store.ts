/**
 * The embedded store: one process, no I/O. Bounded: at most `maxKeys` keys (the oldest are
 * dropped first, which can only make limiting more lenient, never wrong the other way), idle
 * keys are swept by an `unref()`ed timer that never keeps the process alive.
 */
import {
  EPSILON, newSlidingLog, rollWindow, slidingLog, slidingWindow, tokenBucket,
  type AlgorithmOutcome, type SlidingLogState, type SlidingWindowState, type TokenBucketState,
} from './algorithms.js';
import type { RateLimitResult, RateLimitStorePolicy, RateLimitStore, StoreCheckResult, StoreInfoResult } from './types.js';

/** Client keys whose entries one bound limiter remembers (cleared when full), and their longest length. */
const MAX_HELD_KEYS = 10_000;
const MAX_HELD_KEY_LENGTH = 256;

interface Entry {
  /** Epoch ms after which the entry equals a fresh key and may be dropped. */
  expiresAt: number;
  /** Set once the store dropped the entry: a limiter holding it must look the key up again. */
  dropped?: boolean;
  log?: SlidingLogState;
  window?: SlidingWindowState;
  bucket?: TokenBucketState;
}

/** Options of {@link createMemoryStore}. */
export interface MemoryStoreOptions {
  /** Most keys kept at once (default 100 000). */
  maxKeys?: number;
  /** Clock (epoch ms); tests may freeze it. Default `Date.now`. */
  now?: () => number;
}

/** A {@link RateLimitStore} in process memory, with `size` for diagnostics. */
export interface MemoryRateLimitStore extends RateLimitStore {
  readonly kind: 'memory';
  /** Keys currently held. */
  readonly size: number;
  /** Drops every key and stops the sweep timer. */
  clear(): void;
}

/**
 * Creates an in-memory store. Each `createRateLimiter()` without a store gets its own; pass one
 * store to several limiters only if they have different names.
 *
 * @example
 * ```ts
 * const limiter = createRateLimiter({ name: 'api', store: createMemoryStore({ maxKeys: 10_000 }), limit: 100, windowMs: 60_000 })
 * ```
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryRateLimitStore {
  const maxKeys = options.maxKeys ?? 100_000;
  if (!Number.isInteger(maxKeys) || maxKeys < 1) throw new RangeError('"maxKeys" option must be a positive integer');
  const clock = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  let sweepTimer: NodeJS.Timeout | undefined;
  let sweepEveryMs = 60_000;

  function drop(key: string, entry: Entry): void {
    entry.dropped = true;
    entries.delete(key);
  }

  function sweep(limit = Infinity): void {
    const now = clock();
    let visited = 0;
    for (const [key, entry] of entries) {
      if (entry.expiresAt <= now) drop(key, entry);
      if (++visited >= limit) break;
    }
    if (entries.size === 0 && sweepTimer) {
      clearInterval(sweepTimer);
      sweepTimer = undefined;
    }
  }

  function startSweeping(windowMs: number): void {
    if (sweepTimer && windowMs >= sweepEveryMs) return;
    if (sweepTimer) clearInterval(sweepTimer);
    sweepEveryMs = Math.max(1000, Math.min(windowMs, 60_000));
    sweepTimer = setInterval(() => sweep(), sweepEveryMs);
    sweepTimer.unref(); // never keeps the process alive
  }

  function entryFor(key: string, policy: RateLimitStorePolicy, now: number, create: boolean): Entry | undefined {
    let entry = entries.get(key);
    if (entry && entry.expiresAt <= now) {
      drop(key, entry);
      entry = undefined;
    }
    if (entry || !create) return entry;
    if (entries.size >= maxKeys) {
      sweep(64);
      if (entries.size >= maxKeys) {
        const [oldestKey, oldest] = entries.entries().next().value as [string, Entry];
        drop(oldestKey, oldest);
      }
    }
    entry = { expiresAt: now };
    entries.set(key, entry);
    startSweeping(policy.windowMs);
    return entry;
  }

  function run(entry: Entry, policy: RateLimitStorePolicy, now: number, consume: boolean): AlgorithmOutcome {
    switch (policy.algorithm) {
      case 'sliding-log': {
        if (!entry.log || entry.log.times.length > policy.limit) entry.log = newSlidingLog(policy.limit);
        return slidingLog(entry.log, policy, now, consume);
      }
      case 'sliding-window': {
        entry.window ??= { index: 0, current: 0, previous: 0 };
        return slidingWindow(entry.window, policy, now, consume);
      }
      default: {
        entry.bucket ??= { tokens: policy.capacity, at: now };
        return tokenBucket(entry.bucket, policy, now, consume);
      }
    }
  }

  function checkSync(key: string, policy: RateLimitStorePolicy): StoreCheckResult {
    const now = clock();
    const entry = entryFor(key, policy, now, true)!;
    const outcome = run(entry, policy, now, true);
    if (outcome.allowed) entry.expiresAt = now + outcome.resetAfterMs;
    return outcome; // an AlgorithmOutcome is a StoreCheckResult (plus `current`)
  }

  // One limiter's hot path: one Map lookup (the limiter's own table of recent client keys to
  // their entries, so no storage key is built or hashed), one clock read, the allowed case of
  // its algorithm inlined on the entry's state (same arithmetic as algorithms.ts), one result
  // object. The rare cases (rejection, sliding log) run the shared algorithm functions. A held
  // entry that the store dropped (expired and swept, evicted, reset) is looked up again.
  function bindSync(policy: RateLimitStorePolicy, storageKey: (clientKey: string) => string): (clientKey: string) => RateLimitResult {
    const { algorithm, limit, windowMs, capacity } = policy;
    const wallClock = clock === Date.now;
    const held = new Map<string, Entry>();
    const result = (outcome: AlgorithmOutcome, now: number): RateLimitResult => ({
      allowed: outcome.allowed, limit: capacity, remaining: outcome.remaining,
      resetAt: (wallClock ? now : Date.now()) + outcome.resetAfterMs, retryAfterMs: outcome.retryAfterMs,
    });
    // An expired entry equals a fresh key: reset it in place (a busy token bucket expires within
    // milliseconds of each check; dropping and re-inserting it would churn the Map).
    const live = (clientKey: string, now: number): Entry => {
      let entry = held.get(clientKey);
      if (entry === undefined || entry.dropped === true) {
        const key = storageKey(clientKey);
        entry = entries.get(key) ?? entryFor(key, policy, now, true)!;
        if (clientKey.length <= MAX_HELD_KEY_LENGTH) {
          if (held.size >= MAX_HELD_KEYS) held.clear();
          held.set(clientKey, entry);
        }
      }
      if (entry.expiresAt <= now) {
        entry.log = undefined;
        entry.window = undefined;
        entry.bucket = undefined;
      }
      return entry;
    };
    const general = (entry: Entry, now: number): RateLimitResult => {
      const outcome = run(entry, policy, now, true);
      if (outcome.allowed) entry.expiresAt = now + outcome.resetAfterMs;
      return result(outcome, now);
    };
    if (algorithm === 'sliding-window') {
      return (key) => {
        const now = clock();
        const entry = live(key, now);
        const state = (entry.window ??= { index: 0, current: 0, previous: 0 });
        const index = Math.floor(now / windowMs);
        rollWindow(state, index);
        const elapsed = now - index * windowMs;
        const estimate = state.previous * ((windowMs - elapsed) / windowMs) + state.current + 1;
        if (estimate > limit + EPSILON) return general(entry, now);
        state.current++;
        const resetAfterMs = Math.ceil(2 * windowMs - elapsed);
        entry.expiresAt = now + resetAfterMs;
        return {
          allowed: true, limit: capacity, remaining: Math.max(0, Math.floor(limit - estimate + EPSILON)),
          resetAt: (wallClock ? now : Date.now()) + resetAfterMs, retryAfterMs: 0,
        };
      };
    }
    if (algorithm === 'token-bucket') {
      const ratePerMs = limit / windowMs;
      return (key) => {
        const now = clock();
        const entry = live(key, now);
        const state = (entry.bucket ??= { tokens: capacity, at: now });
        let tokens = Math.min(capacity, state.tokens + Math.max(0, now - state.at) * ratePerMs);
        if (tokens + EPSILON < 1) return general(entry, now);
        tokens -= 1;
        state.tokens = tokens;
        state.at = now;
        const resetAfterMs = Math.max(0, Math.ceil((capacity - tokens) / ratePerMs));
        entry.expiresAt = now + resetAfterMs;
        return {
          allowed: true, limit: capacity, remaining: Math.max(0, Math.floor(tokens + EPSILON)),
          resetAt: (wallClock ? now : Date.now()) + resetAfterMs, retryAfterMs: 0,
        };
      };
    }
    return (key) => {
      const now = clock();
      const entry = live(key, now);
      let state = entry.log;
      if (state === undefined || state.times.length > limit) state = entry.log = newSlidingLog(limit);
      const { times } = state;
      const size = times.length;
      const horizon = now - windowMs;
      while (state.count > 0 && times[state.head]! <= horizon) {
        state.head = (state.head + 1) % size;
        state.count--;
      }
      // full (a rejection) or the ring must grow: the shared function handles both
      if (state.count >= limit || state.count === size) return general(entry, now);
      times[(state.head + state.count) % size] = now;
      state.count++;
      entry.expiresAt = now + windowMs; // the newest entry is now: the log is empty a window later
      return {
        allowed: true, limit: capacity, remaining: limit - state.count,
        resetAt: (wallClock ? now : Date.now()) + windowMs, retryAfterMs: 0,
      };
    };
  }

  return {
    kind: 'memory',
    bindSync,
    get size() {
      return entries.size;
    },
    checkSync,
    check(key: string, policy: RateLimitStorePolicy): Promise<StoreCheckResult> {
      return Promise.resolve(checkSync(key, policy));
    },
    info(key: string, policy: RateLimitStorePolicy): Promise<StoreInfoResult> {
      const now = clock();
      const entry = entryFor(key, policy, now, false);
      if (!entry) return Promise.resolve({ remaining: policy.capacity, current: 0, resetAfterMs: 0 });
      const outcome = run(entry, policy, now, false);
      return Promise.resolve({ remaining: outcome.remaining, current: outcome.current, resetAfterMs: outcome.resetAfterMs });
    },
    reset(key: string): Promise<void> {
      const entry = entries.get(key);
      if (entry !== undefined) drop(key, entry);
      return Promise.resolve();
    },
    clear() {
      for (const entry of entries.values()) entry.dropped = true;
      entries.clear();
      if (sweepTimer) clearInterval(sweepTimer);
      sweepTimer = undefined;
    },
  };
}
