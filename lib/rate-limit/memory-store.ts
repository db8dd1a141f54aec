/**
 * The embedded store: one process, no I/O, and it answers synchronously (the store boundary
 * allows it: no promise per check). Bounded: at most `maxKeys` keys (the oldest are dropped
 * first, which can only make limiting more lenient, never wrong the other way); idle keys are
 * swept by an `unref()`ed timer that never keeps the process alive.
 */
import { z } from 'zod';
import { parseOptions } from '../config/settings.js';
import { applyAlgorithm, refundAlgorithm, type AlgorithmState } from './algorithms.js';
import { BoundedMap } from './bounded-map.js';
import type {
  RateLimitStoreFeature, RateLimitStorePolicy, RateLimitStore, StoreCheckResult, StoreInfoResult, StoreMultiCheck, StoreRefundResult,
} from './types.js';

interface Entry extends AlgorithmState {
  /** Epoch ms after which the entry equals a fresh key. */
  expiresAt: number;
  /** Epoch ms until which a blocking policy (`blockMs`) denies the key. */
  blockedUntil?: number | undefined;
}

const FEATURES: readonly RateLimitStoreFeature[] = Object.freeze(['cost', 'block'] as const);

/** Options of {@link createMemoryStore}. */
export interface MemoryStoreOptions {
  /** Most keys kept at once (default 100 000). */
  maxKeys?: number;
  /** Clock (epoch ms); tests may freeze it. Default `Date.now`. */
  now?: () => number;
}

const optionsSchema = z.object({
  maxKeys: z.number().int().min(1).max(100_000_000).optional(),
  now: z.custom<() => number>((v) => typeof v === 'function', { message: 'must be a function returning epoch milliseconds' }).optional(),
} satisfies { [K in keyof Required<MemoryStoreOptions>]: z.ZodType }).strict();

/** A {@link RateLimitStore} in process memory, with `size` for diagnostics. */
export interface MemoryRateLimitStore extends RateLimitStore {
  readonly kind: 'memory';
  /** Keys currently held. */
  readonly size: number;
  check(key: string, policy: RateLimitStorePolicy, now?: number, cost?: number): StoreCheckResult;
  refund(key: string, units: number, policy: RateLimitStorePolicy, now?: number): StoreRefundResult;
  hitAll(checks: readonly StoreMultiCheck[], now?: number): StoreCheckResult[];
  /** Drops every key and stops the sweep timer. */
  clear(): void;
}

/** Drops expired entries (at most `limit` visited) on an unref'ed timer as short as the shortest window. */
function sweeper(entries: Map<string, Entry>, clock: () => number) {
  let timer: NodeJS.Timeout | undefined;
  let everyMs = 60_000;
  const sweep = (limit = Infinity): void => {
    const now = clock();
    let visited = 0;
    for (const [key, entry] of entries) {
      if (entry.expiresAt <= now) entries.delete(key);
      if (++visited >= limit) break;
    }
    if (entries.size === 0) stop();
  };
  const stop = (): void => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };
  const start = (windowMs: number): void => {
    if (timer && windowMs >= everyMs) return;
    stop();
    everyMs = Math.max(1000, Math.min(windowMs, 60_000));
    timer = setInterval(() => sweep(), everyMs);
    timer.unref(); // never keeps the process alive
  };
  return { sweep, start, stop };
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
  const parsed = parseOptions(optionsSchema, options, 'createMemoryStore options');
  const maxKeys = parsed.maxKeys ?? 100_000;
  const ownClock = parsed.now;
  const clock = ownClock ?? Date.now;
  const entries = new BoundedMap<string, Entry>(maxKeys);
  const sweeps = sweeper(entries, clock);

  /** The live entry of `key`; an expired one equals a fresh key and is reset in place. */
  function live(key: string, policy: RateLimitStorePolicy, now: number): Entry {
    let entry = entries.get(key);
    if (entry === undefined) {
      if (entries.size >= maxKeys) sweeps.sweep(64); // expired keys go before the oldest live one
      entry = { expiresAt: now };
      entries.set(key, entry);
      sweeps.start(policy.windowMs);
    } else if (entry.expiresAt <= now) {
      // a busy token bucket expires within milliseconds of each check: reuse, don't re-insert
      entry.log = entry.window = entry.bucket = undefined;
    }
    return entry;
  }

  /** The answer while a blocking policy holds `entry` (counters untouched), or undefined. */
  const blockedAnswer = (entry: Entry, policy: RateLimitStorePolicy, now: number): StoreCheckResult | undefined => {
    if (!policy.blockMs || entry.blockedUntil === undefined || entry.blockedUntil <= now) return undefined;
    const wait = Math.ceil(entry.blockedUntil - now);
    return { allowed: false, remaining: 0, retryAfterMs: wait, resetAfterMs: wait };
  };
  /** After a denial under a blocking policy: the key stays denied for `blockMs`. */
  const penalize = (entry: Entry, policy: RateLimitStorePolicy, now: number, answer: StoreCheckResult): StoreCheckResult => {
    const blockMs = policy.blockMs;
    if (!blockMs || answer.allowed) return answer;
    entry.blockedUntil = now + blockMs;
    if (entry.expiresAt < entry.blockedUntil) entry.expiresAt = entry.blockedUntil;
    return { allowed: false, remaining: answer.remaining, retryAfterMs: Math.max(answer.retryAfterMs, blockMs), resetAfterMs: Math.max(answer.resetAfterMs, blockMs) };
  };
  /** `check()` under a blocking policy: denied while blocked, blocked `blockMs` after a denial. */
  const blockingCheck = (entry: Entry, policy: RateLimitStorePolicy, now: number, cost: number | undefined): StoreCheckResult => {
    const blocked = blockedAnswer(entry, policy, now);
    if (blocked !== undefined) return blocked;
    const answer = applyAlgorithm(entry, policy, now, true, cost);
    return answer.allowed ? charged(entry, now, answer) : penalize(entry, policy, now, answer);
  };
  /** After an allowed check: the entry lives as long as its counters, or its block if that is longer. */
  const charged = (entry: Entry, now: number, answer: StoreCheckResult): StoreCheckResult => {
    entry.expiresAt = now + answer.resetAfterMs;
    if (entry.blockedUntil !== undefined && entry.blockedUntil > entry.expiresAt) entry.expiresAt = entry.blockedUntil;
    return answer;
  };
  const nowOf = (callerNow: number | undefined): number => (ownClock !== undefined || callerNow === undefined ? clock() : callerNow);

  return {
    kind: 'memory',
    get size() {
      return entries.size;
    },
    features: FEATURES,
    check(key: string, policy: RateLimitStorePolicy, callerNow?: number, cost?: number): StoreCheckResult {
      // the limiter's clock reading is this store's clock too, unless a test gave it its own
      const now = ownClock !== undefined || callerNow === undefined ? clock() : callerNow;
      const entry = live(key, policy, now);
      if (policy.blockMs) return blockingCheck(entry, policy, now, cost);
      const answer = applyAlgorithm(entry, policy, now, true, cost);
      return answer.allowed ? charged(entry, now, answer) : answer;
    },
    refund(key: string, units: number, policy: RateLimitStorePolicy, callerNow?: number): StoreRefundResult {
      const now = nowOf(callerNow);
      const entry = entries.get(key);
      if (entry === undefined || entry.expiresAt <= now) return { refunded: 0, remaining: policy.capacity };
      return refundAlgorithm(entry, policy, now, units);
    },
    hitAll(checks: readonly StoreMultiCheck[], callerNow?: number): StoreCheckResult[] {
      const now = nowOf(callerNow);
      // phase 1, read-only: does every check fit? (synchronous: nothing runs in between)
      const states = checks.map(({ key, policy }) => live(key, policy, now));
      const answers = checks.map(({ policy, cost }, i): StoreCheckResult => {
        const entry = states[i]!;
        const blocked = blockedAnswer(entry, policy, now);
        if (blocked !== undefined) return blocked;
        const { allowed, remaining, retryAfterMs, resetAfterMs } = applyAlgorithm(entry, policy, now, false, cost);
        return penalize(entry, policy, now, { allowed, remaining, retryAfterMs, resetAfterMs });
      });
      if (answers.some((a) => !a.allowed)) return answers;
      // phase 2: charge them all
      return checks.map(({ policy, cost }, i) => {
        const entry = states[i]!;
        const answer = applyAlgorithm(entry, policy, now, true, cost);
        if (answer.resetAfterMs > 0) entry.expiresAt = Math.max(entry.expiresAt, now + answer.resetAfterMs);
        return answer;
      });
    },
    info(key: string, policy: RateLimitStorePolicy): StoreInfoResult {
      const now = clock();
      const entry = entries.get(key);
      if (entry === undefined || entry.expiresAt <= now) return { remaining: policy.capacity, current: 0, resetAfterMs: 0 };
      const { remaining, current, resetAfterMs } = applyAlgorithm(entry, policy, now, false);
      return { remaining, current, resetAfterMs };
    },
    reset(key: string): void {
      entries.delete(key);
    },
    clear() {
      entries.clear();
      sweeps.stop();
    },
  };
}
