/**
 * `express-platform-kit/sync`: the small distributed tools the other modules need.
 * - `RedisKeyedMutex` / `MemoryKeyedMutex` (the `KeyedMutex` interface) and
 *   `createKeyedMutex()` choosing between them: one lock per key across processes;
 * - `threadCached` / `cached`: memoisation per thread (unbounded / bounded and expiring),
 *   with `clearThreadCache`, `clearAllThreadCache`, `getCacheStats`.
 */
export type { KeyedMutex, LockHandle, LockAcquireOptions } from './types.js';
export type { KeyedMutexOptions, CachedOptions } from './settings.js';
export { RedisKeyedMutex } from './redis-keyed-mutex.js';
export { MemoryKeyedMutex } from './memory-keyed-mutex.js';
export { createKeyedMutex, type CreateKeyedMutexOptions } from './create-keyed-mutex.js';
export { threadCached, cached, type CachedFunction } from './thread-cached.js';
export { clearThreadCache, clearAllThreadCache, getCacheStats, type CacheStats, type MemoizedMethods } from './memoize.js';
export { stableCacheKey } from './cache-key.js';
