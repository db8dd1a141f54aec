import { resolveRedis, type RedisOption } from '../redis/index.js';
import type { Env } from '../config/env.js';
import { MemoryKeyedMutex } from './memory-keyed-mutex.js';
import { RedisKeyedMutex } from './redis-keyed-mutex.js';
import type { KeyedMutexOptions } from './settings.js';
import type { KeyedMutex } from './types.js';

/** Options of {@link createKeyedMutex}: the mutex options plus where locks live. */
export interface CreateKeyedMutexOptions extends KeyedMutexOptions {
  /**
   * An ioredis client or URL; `false` keeps locks in memory even when `REDIS_URL` is set.
   * Default: `REDIS_URL` from the environment, else in memory.
   */
  redis?: RedisOption | false;
  /** Environment to read `REDIS_URL` from (default: `.env` + `process.env`). */
  env?: Env;
}

/**
 * The mutex the kit's modules use by default: Redis when `redis` (or `REDIS_URL`) is given,
 * the in-process {@link MemoryKeyedMutex} otherwise.
 *
 * @example
 * ```ts
 * const mutex = createKeyedMutex({ timeoutMs: 10_000 }) // REDIS_URL set → Redis
 * ```
 */
export function createKeyedMutex(options: CreateKeyedMutexOptions = {}): KeyedMutex & { heldKeys(): string[] } {
  const { redis, env, ...mutexOptions } = options;
  const client = resolveRedis(redis, env);
  return client ? new RedisKeyedMutex(client, mutexOptions) : new MemoryKeyedMutex(mutexOptions);
}
