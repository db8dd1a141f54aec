import type { RedisClient } from '../redis/index.js';
import { MemoryKeyedMutex } from '../sync/memory-keyed-mutex.js';
import { RedisKeyedMutex } from '../sync/redis-keyed-mutex.js';
import type { CredentialsMutex } from './settings.js';

/**
 * The store's default per-user lock: the Redis keyed mutex with the Redis backend (all
 * processes exclude each other), the in-process one otherwise. A read-modify-write takes a
 * few milliseconds; the generous wait covers bursts of writers for one user.
 */
export function defaultCredentialsMutex(redis: RedisClient | null): CredentialsMutex {
  const options = { timeoutMs: 15_000, waitMs: 30_000 };
  return redis ? new RedisKeyedMutex(redis, options) : new MemoryKeyedMutex(options);
}
