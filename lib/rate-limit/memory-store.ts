/**
 * The embedded store: one process, no I/O, and it answers synchronously (the store boundary
 * allows it: no promise per check). Bounded: at most `maxKeys` keys (the oldest are dropped
 * first, which can only make limiting more lenient, never wrong the other way); idle keys are
 * swept by an `unref()`ed timer that never keeps the process alive.
 */
import { z } from 'zod';
import { parseOptions } from '../config/settings.js';
import { applyAlgorithm, type AlgorithmState } from './algorithms.js';
import { BoundedMap } from './bounded-map.js';
import type { RateLimitStorePolicy, RateLimitStore, StoreCheckResult, StoreInfoResult } from './types.js';

interface Entry extends AlgorithmState {
  /** Epoch ms after which the entry equals a fresh key. */
  expiresAt: number;
}

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
  check(key: string, policy: RateLimitStorePolicy, now?: number): StoreCheckResult;
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

  return {
    kind: 'memory',
    get size() {
      return entries.size;
    },
    check(key: string, policy: RateLimitStorePolicy, callerNow?: number): StoreCheckResult {
      // the limiter's clock reading is this store's clock too, unless a test gave it its own
      const now = ownClock !== undefined || callerNow === undefined ? clock() : callerNow;
      const entry = live(key, policy, now);
      const answer = applyAlgorithm(entry, policy, now, true);
      if (answer.allowed) entry.expiresAt = now + answer.resetAfterMs;
      return answer;
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
