/**
 * The memoisation core shared by `threadCached` (unbounded, per thread) and `cached`
 * (bounded LRU with expiry), plus the per-thread registry behind `getCacheStats()` and
 * `clearAllThreadCache()`. In Node a module's state belongs to one worker thread, so this
 * registry (and every cache) is naturally per thread.
 */
import { KitError } from '../errors/kit-error.js';
import { stableCacheKey } from './cache-key.js';

/** A cached value in a box, so `undefined` results are cached too. */
export interface Box {
  value: unknown;
}

/** Where a memoised function keeps its results. */
export interface MemoStore {
  get(key: string): Box | undefined;
  set(key: string, box: Box): void;
  /** Removes `key`; true when it was there. */
  delete(key: string): boolean;
  clear(): void;
  readonly size: number;
}

/** Statistics of one memoised function, as `getCacheStats()` reports them. */
export interface CacheStats {
  /** The function's name (or the `name` option). */
  name: string;
  /** `thread` for `threadCached`, `bounded` for `cached`. */
  kind: 'thread' | 'bounded';
  /** Results held now (resolved values and in-flight promises). */
  entries: number;
  /** Calls answered from the cache (including calls that joined an in-flight promise). */
  hits: number;
  /** Calls that ran the function. */
  misses: number;
}

interface CacheRecord {
  name: string;
  kind: CacheStats['kind'];
  hits: number;
  misses: number;
  store: MemoStore;
}

/** Methods added to a memoised function (`Args`: its parameters). */
export interface MemoizedMethods<Args extends readonly unknown[] = never[]> {
  /** Empties this function's cache and resets its statistics. */
  clearCache(): void;
  /**
   * Forgets the result cached for these arguments (a resolved value or an in-flight promise),
   * so the next call with them runs the function again. Returns whether an entry was removed.
   * For a cached method, pass the instance: `obj.method.delete.call(obj, ...args)`.
   */
  delete(...args: Args): boolean;
  /** This function's statistics. */
  cacheStats(): CacheStats;
}

const CACHE_RECORD = Symbol.for('express-platform-kit.cacheRecord');
const registry = new Set<WeakRef<CacheRecord>>();
const finalizer = new FinalizationRegistry<WeakRef<CacheRecord>>((ref) => registry.delete(ref));

function statsOf(record: CacheRecord): CacheStats {
  return { name: record.name, kind: record.kind, entries: record.store.size, hits: record.hits, misses: record.misses };
}

function clearRecord(record: CacheRecord): void {
  record.store.clear();
  record.hits = 0;
  record.misses = 0;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

/** The cache key of a call: methods key on their receiver too, so two instances never share results. */
function callKey(receiver: unknown, args: readonly unknown[]): string {
  const own = (typeof receiver === 'object' && receiver !== null && receiver !== globalThis) || typeof receiver === 'function' ? [receiver] : [];
  return stableCacheKey([own, ...args]);
}

/** Wraps `fn` so each distinct argument list (and receiver object) runs it once per store. */
export function memoize<F extends (...args: never[]) => unknown>(
  fn: F,
  store: MemoStore,
  kind: CacheStats['kind'],
  name = fn.name || '(anonymous)',
): F & MemoizedMethods<Parameters<F>> {
  if (typeof fn !== 'function') throw new KitError('ERR_VALIDATION', 'expected a function to cache');
  const record: CacheRecord = { name, kind, hits: 0, misses: 0, store };

  const memoized = function (this: unknown, ...args: never[]): unknown {
    const key = callKey(this, args);
    const hit = store.get(key);
    if (hit) {
      record.hits++;
      return hit.value;
    }
    record.misses++;
    const value = fn.apply(this, args); // a throw is not cached
    const box: Box = { value };
    store.set(key, box);
    if (isThenable(value)) {
      // Concurrent callers share this promise; a rejection is forgotten so the next call retries.
      Promise.resolve(value).then(undefined, () => {
        if (store.get(key) === box) store.delete(key);
      });
    }
    return value;
  };
  Object.defineProperty(memoized, 'name', { value: fn.name, configurable: true });
  Object.defineProperty(memoized, 'length', { value: fn.length, configurable: true });
  Object.defineProperty(memoized, CACHE_RECORD, { value: record });
  const methods: MemoizedMethods<Parameters<F>> = {
    clearCache: () => clearRecord(record),
    cacheStats: () => statsOf(record),
    // `fn.delete(...)` has `fn` itself as receiver: that means "no receiver", like a plain call.
    delete: function (this: unknown, ...args: Parameters<F>): boolean {
      return store.delete(callKey(this === memoized ? undefined : this, args));
    },
  };
  Object.assign(memoized, methods);
  const ref = new WeakRef(record);
  registry.add(ref);
  finalizer.register(memoized, ref);
  return memoized as unknown as F & MemoizedMethods<Parameters<F>>;
}

function recordOf(fn: unknown): CacheRecord | undefined {
  return typeof fn === 'function' ? (fn as unknown as Record<symbol, CacheRecord | undefined>)[CACHE_RECORD] : undefined;
}

/**
 * Empties the cache of a function made by `threadCached` or `cached` (same as
 * `fn.clearCache()`). Returns false for any other function.
 *
 * @example
 * ```ts
 * clearThreadCache(getUserContext)
 * ```
 */
export function clearThreadCache(fn: unknown): boolean {
  const record = recordOf(fn);
  if (!record) return false;
  clearRecord(record);
  return true;
}

/**
 * Empties every cache made by `threadCached` and `cached` in this thread (tests, reloads).
 *
 * @example
 * ```ts
 * afterEach(() => clearAllThreadCache())
 * ```
 */
export function clearAllThreadCache(): void {
  for (const ref of registry) {
    const record = ref.deref();
    if (record) clearRecord(record);
    else registry.delete(ref);
  }
}

/**
 * Entries, hits and misses of every cached function alive in this thread.
 *
 * @example
 * ```ts
 * for (const s of getCacheStats()) console.log(s.name, s.hits / Math.max(1, s.hits + s.misses))
 * ```
 */
export function getCacheStats(): CacheStats[] {
  const stats: CacheStats[] = [];
  for (const ref of registry) {
    const record = ref.deref();
    if (record) stats.push(statsOf(record));
    else registry.delete(ref);
  }
  return stats;
}
