/**
 * `createRateLimiter()`: one policy, one store, created once. No Express here.
 */
import { z } from 'zod';
import { parseOptions } from '../config/settings.js';
import { emitKitWarning } from '../config/warnings.js';
import type { Env } from '../config/env.js';
import { KitError, isKitError } from '../errors/kit-error.js';
import { resolveRedis, type RedisOption } from '../redis/index.js';
import { LIMITER_NAME_PATTERN, rateLimitStorageKey } from './keys.js';
import { createMemoryStore } from './memory-store.js';
import { createRedisStore } from './redis-store.js';
import { loadRateLimitSettings } from './settings.js';
import {
  RATE_LIMIT_ALGORITHMS,
  type RateLimitAlgorithm, type RateLimitInfo, type RateLimitStorePolicy, type RateLimitResult, type RateLimitStore, type StoreCheckResult,
} from './types.js';

/** Options of {@link createRateLimiter}. */
export interface RateLimiterOptions {
  /**
   * Namespace of this limiter's keys (letters, digits, `.`, `_`, `-`; up to 64). Give every
   * limiter sharing a Redis its own name. Default `'default'` (with a warning if two unnamed
   * limiters share a store).
   */
  name?: string;
  /** `'memory'`, `'redis'` or your own {@link RateLimitStore}. Default: Redis if one is configured, else memory. */
  store?: 'memory' | 'redis' | RateLimitStore;
  /** ioredis `Redis`/`Cluster` or URL. Default: `REDIS_URL` (or `REDIS_HOST`...) from the environment. */
  redis?: RedisOption;
  /** Requests per window. Default `RATE_LIMIT_REQUESTS_PER_MINUTE` (60). */
  limit?: number;
  /** Window in milliseconds. Default `RATE_LIMIT_WINDOW_SECONDS` × 1000 (60 000). */
  windowMs?: number;
  /** Default `'sliding-log'` (exact; the reference's). */
  algorithm?: RateLimitAlgorithm;
  /** Token-bucket capacity (default `limit`; `RATE_LIMIT_BURST` when set in the environment). */
  burst?: number;
  /**
   * Answer keys already known to be over the limit from process memory until they may pass
   * again, so a flood costs no Redis calls (default true for Redis; ignored for memory).
   * `reset()` on this limiter clears it; other processes keep theirs until the wait ends.
   */
  cacheBlockedKeys?: boolean;
  /**
   * Deadline of one Redis call in milliseconds for the Redis store this limiter creates
   * (default 500, `DEFAULT_STORE_TIMEOUT_MS`); after it the check fails with
   * `ERR_STORE_UNAVAILABLE` and the middleware's `onStoreError` applies. A store you pass
   * brings its own (`createRedisStore(client, { timeoutMs })`).
   */
  timeoutMs?: number;
  /** Environment to read defaults from (default `process.env` + `.env`). */
  env?: Env;
}

/** A limiter: `check` counts, `info` reads, `reset` forgets. */
export interface RateLimiter {
  readonly name: string;
  readonly algorithm: RateLimitAlgorithm;
  readonly limit: number;
  readonly windowMs: number;
  /** Token-bucket capacity (`limit` for the other algorithms). */
  readonly capacity: number;
  readonly store: RateLimitStore;
  /**
   * Counts one request for `key` if it fits. Resolves with the decision, or rejects with a
   * `KitError` `ERR_STORE_UNAVAILABLE` (never a fake rejection) when the store fails.
   */
  check(key: string): Promise<RateLimitResult>;
  /** The state of `key`, without counting. */
  info(key: string): Promise<RateLimitInfo>;
  /** Forgets `key` (its counters and this process's blocked-key cache). */
  reset(key: string): Promise<void>;
}

const isStore = (value: unknown): value is RateLimitStore =>
  typeof value === 'object' && value !== null &&
  ['check', 'info', 'reset'].every((method) => typeof (value as Record<string, unknown>)[method] === 'function');

const optionsSchema = z.object({
  name: z.string().regex(LIMITER_NAME_PATTERN, { message: 'must be 1-64 letters, digits, ".", "_" or "-"' }).optional(),
  store: z.union([z.literal('memory'), z.literal('redis'), z.custom<RateLimitStore>(isStore, { message: 'must be "memory", "redis" or a RateLimitStore' })]).optional(),
  redis: z.custom<RedisOption>((v) => typeof v === 'string' || (typeof v === 'object' && v !== null), { message: 'must be an ioredis client or a redis:// URL' }).optional(),
  limit: z.number().int().min(1).max(1_000_000).optional(),
  windowMs: z.number().int().min(1).max(31 * 24 * 3600 * 1000).optional(),
  algorithm: z.enum(RATE_LIMIT_ALGORITHMS as unknown as [RateLimitAlgorithm, ...RateLimitAlgorithm[]]).optional(),
  burst: z.number().int().min(1).max(1_000_000).optional(),
  cacheBlockedKeys: z.boolean().optional(),
  timeoutMs: z.number().int().min(1).max(60_000).optional(),
  env: z.record(z.string(), z.string().optional()).optional(),
}).strict();

/**
 * Internal: a limiter whose store answers in process (memory) carries a synchronous check under
 * this symbol, so the middleware can answer without a promise hop. It throws what `check()`
 * would reject with.
 */
export const SYNC_CHECK: unique symbol = Symbol.for('express-platform-kit.rate-limit.syncCheck') as never;

const MAX_BLOCKED_KEYS = 10_000;
const MAX_CACHED_KEYS = 10_000;
const unnamedPerBackend = new WeakMap<object, number>();

function storeError(store: RateLimitStore, cause: unknown): KitError {
  if (isKitError(cause) && cause.code === 'ERR_STORE_UNAVAILABLE') return cause;
  return new KitError('ERR_STORE_UNAVAILABLE', `Rate limit store (${store.kind}) is unavailable`, { cause });
}

/**
 * Creates a rate limiter. Validates options now (a `ConfigError` for bad ones); the store and
 * its Redis connection are set up once, here, never per request.
 *
 * @example
 * ```ts
 * const limiter = createRateLimiter({ name: 'login', limit: 5, windowMs: 60_000, redis: process.env.REDIS_URL })
 * const { allowed, retryAfterMs } = await limiter.check(`email:${email}`)
 * ```
 */
export function createRateLimiter(options: RateLimiterOptions = {}): RateLimiter {
  const parsed = parseOptions(optionsSchema, options, 'rate limiter options');
  const needsEnv = parsed.limit === undefined || parsed.windowMs === undefined || (parsed.store === undefined && parsed.redis === undefined) ||
    (parsed.algorithm === 'token-bucket' && parsed.burst === undefined);
  const settings = needsEnv ? loadRateLimitSettings(parsed.env) : undefined;
  const algorithm = parsed.algorithm ?? 'sliding-log';
  const limit = parsed.limit ?? settings!.requestsPerMinute;
  const windowMs = parsed.windowMs ?? settings!.windowSeconds * 1000;
  const burst = parsed.burst ?? (settings?.burstFromEnv ? settings.burst : undefined);
  const capacity = algorithm === 'token-bucket' ? (burst ?? limit) : limit;
  const policy: RateLimitStorePolicy = { algorithm, limit, windowMs, capacity };
  const name = parsed.name ?? 'default';
  if (windowMs < 1000) {
    // Almost always seconds given where milliseconds are expected (`windowMs: 60`).
    emitKitWarning('WARN_RATE_LIMIT_WINDOW_MS_SMALL',
      `Rate limiter "${name}": windowMs is ${windowMs} ms (under one second). windowMs is in milliseconds: for ${windowMs} seconds write ${windowMs * 1000}.`, name);
  }

  let store: RateLimitStore;
  if (typeof parsed.store === 'object') {
    store = parsed.store;
  } else if (parsed.store === 'memory') {
    store = createMemoryStore();
  } else {
    const client = resolveRedis(parsed.redis, parsed.env) ?? (settings?.redisUrl ? resolveRedis(settings.redisUrl) : null);
    if (!client && parsed.store === 'redis') {
      throw new KitError('ERR_CONFIG_INVALID', 'rate limiter: store "redis" needs a `redis` option, REDIS_URL or REDIS_HOST');
    }
    store = client ? createRedisStore(client, parsed.timeoutMs === undefined ? {} : { timeoutMs: parsed.timeoutMs }) : createMemoryStore();
  }

  if (parsed.name === undefined) {
    const backend: object = (store as { client?: object }).client ?? store;
    const count = (unnamedPerBackend.get(backend) ?? 0) + 1;
    unnamedPerBackend.set(backend, count);
    if (count > 1) {
      emitKitWarning('WARN_RATE_LIMIT_UNNAMED_SHARED_STORE',
        'Two rate limiters without a `name` share one store, so they count the same keys together. Give each limiter its own `name`.');
    }
  }

  const blocked = (parsed.cacheBlockedKeys ?? true) && store.kind !== 'memory' ? new Map<string, { until: number; resetAt: number }>() : undefined;

  const checkSync = store.checkSync?.bind(store);
  const toResult = (r: StoreCheckResult): RateLimitResult => (
    { allowed: r.allowed, limit: capacity, remaining: r.remaining, resetAt: Date.now() + r.resetAfterMs, retryAfterMs: r.retryAfterMs }
  );
  const rememberBlocked = (storeKey: string, r: StoreCheckResult): RateLimitResult => {
    const result = toResult(r);
    if (!r.allowed && r.retryAfterMs > 0 && blocked) {
      if (blocked.size >= MAX_BLOCKED_KEYS) blocked.delete(blocked.keys().next().value as string);
      blocked.set(storeKey, { until: Date.now() + r.retryAfterMs, resetAt: result.resetAt });
    }
    return result;
  };
  const onStoreError = (error: unknown): never => {
    throw storeError(store, error);
  };

  // Storage keys of recent clients: building one (escape check, concatenation, then hashing a
  // fresh string for the Map/Redis lookup) costs more than an in-memory check itself.
  const storageKeys = new Map<string, string>();
  const keyOf = (key: string): string => {
    let storageKey = storageKeys.get(key);
    if (storageKey !== undefined) return storageKey;
    if (typeof key !== 'string') throw new TypeError('rate limiter key must be a string');
    storageKey = rateLimitStorageKey(name, algorithm, key);
    if (key.length <= 256) {
      if (storageKeys.size >= MAX_CACHED_KEYS) storageKeys.clear();
      storageKeys.set(key, storageKey);
    }
    return storageKey;
  };

  // In-process stores (memory): one synchronous checker for this policy, by client key. The
  // store remembers its recent keys' entries itself, so the storage key is built uncached.
  const fastCheck = store.bindSync?.(policy, (clientKey) => rateLimitStorageKey(name, algorithm, clientKey));
  const syncCheck = fastCheck === undefined ? undefined : (key: string): RateLimitResult => {
    if (typeof key !== 'string') throw new TypeError('rate limiter key must be a string');
    try {
      return fastCheck(key);
    } catch (error) {
      throw storeError(store, error);
    }
  };

  const limiter: RateLimiter = {
    name, algorithm, limit, windowMs, capacity, store,
    check(key: string): Promise<RateLimitResult> {
      if (syncCheck !== undefined) {
        try {
          return Promise.resolve(syncCheck(key));
        } catch (error) {
          return Promise.reject(error);
        }
      }
      let storeKey = storageKeys.get(key);
      if (storeKey === undefined) {
        try {
          storeKey = keyOf(key);
        } catch (error) {
          return Promise.reject(error);
        }
      }
      if (blocked) {
        const hit = blocked.get(storeKey);
        if (hit) {
          const wait = hit.until - Date.now();
          if (wait > 0) return Promise.resolve({ allowed: false, limit: capacity, remaining: 0, resetAt: hit.resetAt, retryAfterMs: wait });
          blocked.delete(storeKey);
        }
      }
      let pending: Promise<StoreCheckResult>;
      try {
        if (checkSync !== undefined) return Promise.resolve(toResult(checkSync(storeKey, policy)));
        pending = store.check(storeKey, policy);
      } catch (error) {
        return Promise.reject(storeError(store, error));
      }
      if (!blocked) return pending.then(toResult, onStoreError);
      return pending.then((r) => rememberBlocked(storeKey, r), onStoreError);
    },
    async info(key: string): Promise<RateLimitInfo> {
      const storeKey = keyOf(key);
      try {
        const r = await store.info(storeKey, policy);
        return { limit: capacity, remaining: r.remaining, resetAt: Date.now() + r.resetAfterMs, current: r.current, windowMs };
      } catch (error) {
        throw storeError(store, error);
      }
    },
    async reset(key: string): Promise<void> {
      const storeKey = keyOf(key);
      blocked?.delete(storeKey);
      try {
        await store.reset(storeKey, policy);
      } catch (error) {
        throw storeError(store, error);
      }
    },
  };
  if (syncCheck !== undefined) Object.defineProperty(limiter, SYNC_CHECK, { value: syncCheck });
  return limiter;
}
