/**
 * Options of the keyed mutexes and of `cached()`, validated once when the factory is called
 * (one ConfigError listing every bad option). The mutexes take no environment variables: a
 * lock timeout is a property of the code that takes the lock, not of the deployment.
 */
import { z } from 'zod';
import { parseOptions, type KnownOptions } from '../config/settings.js';
import { DEFAULT_STORE_TIMEOUT_MS } from '../redis/deadline.js';

/** Largest delay a Node timer accepts (larger values fire after 1 ms). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

const waitMsSchema = z.union([z.number().int().min(0).max(MAX_TIMER_MS), z.literal(Infinity)], {
  message: `must be an integer between 0 and ${MAX_TIMER_MS}, or Infinity`,
});

const mutexSchema = z
  .object({
    timeoutMs: z.number().int().min(10).max(MAX_TIMER_MS).default(60_000),
    waitMs: waitMsSchema.optional(),
    extendEveryMs: z.number().int().min(1).max(MAX_TIMER_MS).optional(),
    maxLocks: z.number().int().min(1).max(10_000_000).default(10_000),
    prefix: z.string().max(200).default('epk:lock:'),
    retryMaxDelayMs: z.number().int().min(1).max(60_000).default(100),
    storeTimeoutMs: z.number().int().min(0).max(60_000).default(DEFAULT_STORE_TIMEOUT_MS),
  })
  .refine((o) => o.extendEveryMs === undefined || o.extendEveryMs < o.timeoutMs, {
    message: 'must be smaller than timeoutMs (the lock would expire before its extension)',
    path: ['extendEveryMs'],
  });

const acquireSchema = z.object({ waitMs: waitMsSchema.optional() });
const KNOWN_ACQUIRE: KnownOptions<{ waitMs?: number }> = { waitMs: true };

/** Validates per-call `{ waitMs }` (a ConfigError when bad); `undefined` means the mutex default. */
export function parseWaitMs(options: { waitMs?: number } | undefined, fallback: number): number {
  if (options === undefined) return fallback;
  return parseOptions(acquireSchema, options, 'acquire options', KNOWN_ACQUIRE).waitMs ?? fallback;
}

const ttlSchema = z.object({ ttlMs: z.number().int().min(1).max(MAX_TIMER_MS, { message: `must be an integer between 1 and ${MAX_TIMER_MS}` }) });

/** Validates the `ttlMs` of `extend(ttlMs)` (a ConfigError when bad). */
export function parseTtlMs(ttlMs: number): number {
  return parseOptions(ttlSchema, { ttlMs }, 'extend(ttlMs)').ttlMs;
}

/** Options shared by {@link RedisKeyedMutex} and {@link MemoryKeyedMutex}. */
export interface KeyedMutexOptions {
  /** How long a lock lives unless extended (Redis `PX`). Default 60000. */
  timeoutMs?: number;
  /** Default time `acquire`/`withLock` wait for a busy key before `ERR_LOCK_TIMEOUT`. Default `timeoutMs`. */
  waitMs?: number;
  /** How often `withLock` extends its lock while `fn` runs. Default `timeoutMs / 3`. */
  extendEveryMs?: number;
  /** Most keys this process may hold or wait for at once (`ERR_LOCK_TABLE_FULL` beyond). Default 10000. */
  maxLocks?: number;
  /** Redis key prefix; the key itself is wrapped in a `{hash tag}` for Cluster. Default `epk:lock:`. */
  prefix?: string;
  /** Upper bound of the jittered exponential back-off between two tries on a busy key. Default 100. */
  retryMaxDelayMs?: number;
  /**
   * Redis backend: deadline of each Redis call (take, extend, release), in ms. A paused or
   * stopped Redis then rejects with `ERR_STORE_UNAVAILABLE` instead of holding the caller
   * (`waitMs` bounds the whole acquisition; this bounds each call in it). Default 500; `0`
   * waits without a deadline.
   */
  storeTimeoutMs?: number;
}

/** Parsed mutex configuration (every default applied). */
export interface KeyedMutexConfig {
  timeoutMs: number;
  waitMs: number;
  extendEveryMs: number;
  maxLocks: number;
  prefix: string;
  retryMaxDelayMs: number;
  storeTimeoutMs: number;
}

const KNOWN_MUTEX: KnownOptions<KeyedMutexOptions> = {
  timeoutMs: true, waitMs: true, extendEveryMs: true, maxLocks: true, prefix: true, retryMaxDelayMs: true, storeTimeoutMs: true,
};

export function parseKeyedMutexOptions(options: KeyedMutexOptions | undefined, scope: string): KeyedMutexConfig {
  const parsed = parseOptions(mutexSchema, options ?? {}, scope, KNOWN_MUTEX);
  return {
    timeoutMs: parsed.timeoutMs,
    waitMs: parsed.waitMs ?? parsed.timeoutMs,
    extendEveryMs: parsed.extendEveryMs ?? Math.max(1, Math.floor(parsed.timeoutMs / 3)),
    maxLocks: parsed.maxLocks,
    prefix: parsed.prefix,
    retryMaxDelayMs: parsed.retryMaxDelayMs,
    storeTimeoutMs: parsed.storeTimeoutMs,
  };
}

const cachedSchema = z
  .object({
    ttlMs: z.number().int().min(1).max(MAX_TIMER_MS).optional(),
    maxSize: z.number().int().min(1).max(100_000_000).default(1000),
    name: z.string().max(200).optional(),
  });

/** Options of {@link cached}. */
export interface CachedOptions {
  /** How long a result stays cached, from the call that computed it. Default: until evicted. */
  ttlMs?: number;
  /** Most results kept; the least recently used is evicted beyond. Default 1000. */
  maxSize?: number;
  /** Name shown by `getCacheStats()`. Default: the function's name. */
  name?: string;
}

const KNOWN_CACHED: KnownOptions<CachedOptions> = { ttlMs: true, maxSize: true, name: true };

export function parseCachedOptions(options: CachedOptions | undefined): z.output<typeof cachedSchema> {
  return parseOptions(cachedSchema, options ?? {}, 'cached() options', KNOWN_CACHED);
}
