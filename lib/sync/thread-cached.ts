/**
 * `threadCached` (a memo per worker thread) and `cached` (its bounded, expiring
 * variant). A worker thread loads its own copy of every module, so these caches are never
 * shared between threads: each thread computes and keeps its own results.
 */
import { LRUCache } from 'lru-cache';
import { memoize, type Box, type MemoizedMethods, type MemoStore } from './memoize.js';
import { parseCachedOptions, type CachedOptions } from './settings.js';

/** A function returned by {@link threadCached} or {@link cached}. */
export type CachedFunction<F extends (...args: never[]) => unknown> = F & MemoizedMethods<Parameters<F>>;

function mapStore(): MemoStore {
  const map = new Map<string, Box>();
  return {
    get: (key) => map.get(key),
    set: (key, box) => void map.set(key, box),
    delete: (key) => map.delete(key),
    clear: () => map.clear(),
    get size() {
      return map.size;
    },
  };
}

/**
 * Memoises `fn` for the lifetime of the current thread: each distinct argument list runs it
 * once. Works for sync and async functions: concurrent calls share one in-flight promise,
 * and a rejected promise (or a throw) is not cached. Arguments are keyed by value (object
 * property order does not matter); class instances by identity. Unbounded: use
 * {@link cached} when the arguments are unbounded.
 *
 * @example
 * ```ts
 * const loadFlags = threadCached(async (tenant: string) => fetchFlags(tenant))
 * await loadFlags('acme') // runs fetchFlags; later calls reuse the result
 * loadFlags.clearCache()
 * ```
 */
export function threadCached<F extends (...args: never[]) => unknown>(fn: F): CachedFunction<F> {
  return memoize(fn, mapStore(), 'thread');
}

/**
 * Like {@link threadCached}, but keeps at most `maxSize` results (least recently used
 * evicted) and each for at most `ttlMs`.
 *
 * @example
 * ```ts
 * const getPlan = cached(async (userId: string) => db.plans.find(userId), { ttlMs: 30_000, maxSize: 5000 })
 * ```
 */
export function cached<F extends (...args: never[]) => unknown>(fn: F, options: CachedOptions = {}): CachedFunction<F> {
  const { ttlMs, maxSize, name } = parseCachedOptions(options);
  const lru = new LRUCache<string, Box>(ttlMs === undefined ? { max: maxSize } : { max: maxSize, ttl: ttlMs });
  const store: MemoStore = {
    get: (key) => lru.get(key),
    set: (key, box) => void lru.set(key, box),
    delete: (key) => lru.delete(key),
    clear: () => lru.clear(),
    get size() {
      // Expired entries are removed lazily; purge so `entries` counts live results only.
      if (ttlMs !== undefined) lru.purgeStale();
      return lru.size;
    },
  };
  return memoize(fn, store, 'bounded', name);
}
