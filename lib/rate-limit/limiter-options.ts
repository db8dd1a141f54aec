/**
 * `createRateLimiter()`'s options: one zod schema (a `ConfigError` listing every bad field),
 * the environment's defaults, and the store they choose. No request-path code here.
 */
import { z } from 'zod';
import { ConfigError, parseOptions } from '../config/settings.js';
import { emitKitWarning } from '../config/warnings.js';
import type { Env } from '../config/env.js';
import { resolveRedis, type RedisOption } from '../redis/index.js';
import { LIMITER_NAME_PATTERN } from './keys.js';
import { createMemoryStore } from './memory-store.js';
import { createRedisStore } from './redis-store.js';
import { loadRateLimitSettings } from './settings.js';
import { RATE_LIMIT_ALGORITHMS, type RateLimitAlgorithm, type RateLimitStore, type RateLimitStorePolicy } from './types.js';

/** Options of {@link createRateLimiter}. */
export interface RateLimiterOptions {
  /**
   * Namespace of this limiter's keys (letters, digits, `.`, `_`, `-`; up to 64). Give every
   * limiter sharing a Redis its own name. Default `'default'` (with a warning if two unnamed
   * limiters share a store).
   */
  name?: string;
  /**
   * `'redis'` or your own {@link RateLimitStore}. Default: Redis if one is configured, else
   * memory. `'memory'` still works but is deprecated: write `redis: false` (the kit-wide way).
   */
  store?: 'memory' | 'redis' | RateLimitStore;
  /**
   * ioredis `Redis`/`Cluster` or URL, or `false` for process memory even when `REDIS_URL` is
   * set (the kit-wide convention, as for sessions). Default: `REDIS_URL` (or `REDIS_HOST`...)
   * from the environment.
   */
  redis?: RedisOption | false;
  /** Requests per window. Default `RATE_LIMIT_REQUESTS_PER_MINUTE` (60). */
  limit?: number;
  /** Window in milliseconds. Default `RATE_LIMIT_WINDOW_SECONDS` × 1000 (60 000). */
  windowMs?: number;
  /** Default `'sliding-log'` (exact: every counted request is remembered for one window). */
  algorithm?: RateLimitAlgorithm;
  /** Token-bucket capacity (default `limit`; `RATE_LIMIT_BURST` when set in the environment). */
  burst?: number;
  /**
   * Penalty after a denial, in milliseconds (default 0: none): the key then stays denied for
   * `blockMs`, answered with `retryAfterMs` = the block's remaining time, without reading or
   * writing its counters (Redis: a `<key>:b` key with `PX`). A call may override it.
   */
  blockMs?: number;
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

const isStore = (value: unknown): value is RateLimitStore =>
  typeof value === 'object' && value !== null &&
  ['check', 'info', 'reset'].every((method) => typeof (value as Record<string, unknown>)[method] === 'function');

/** Every option, compiler-checked against {@link RateLimiterOptions} (a new option must be added here). */
const optionsSchema = z.object({
  name: z.string().regex(LIMITER_NAME_PATTERN, { message: 'must be 1-64 letters, digits, ".", "_" or "-"' }).optional(),
  store: z.union([z.literal('memory'), z.literal('redis'), z.custom<RateLimitStore>(isStore, { message: 'must be "memory", "redis" or a RateLimitStore' })]).optional(),
  redis: z.union([z.literal(false), z.custom<RedisOption>((v) => typeof v === 'string' || (typeof v === 'object' && v !== null), { message: 'must be an ioredis client, a redis:// URL or false' })]).optional(),
  limit: z.number().int().min(1).max(1_000_000).optional(),
  windowMs: z.number().int().min(1).max(31 * 24 * 3600 * 1000).optional(),
  algorithm: z.enum(RATE_LIMIT_ALGORITHMS as unknown as [RateLimitAlgorithm, ...RateLimitAlgorithm[]]).optional(),
  burst: z.number().int().min(1).max(1_000_000).optional(),
  blockMs: z.number().int().min(0).max(31 * 24 * 3600 * 1000).optional(),
  cacheBlockedKeys: z.boolean().optional(),
  timeoutMs: z.number().int().min(1).max(60_000).optional(),
  env: z.record(z.string(), z.string().optional()).optional(),
} satisfies { [K in keyof Required<RateLimiterOptions>]: z.ZodType }).strict();

/** The option names of {@link createRateLimiter} (the middleware splits its options by them). */
export const RATE_LIMITER_OPTION_NAMES: ReadonlySet<string> = new Set(Object.keys(optionsSchema.shape));

/** What the options resolve to. */
export interface ResolvedLimiter {
  name: string;
  policy: RateLimitStorePolicy;
  store: RateLimitStore;
  cacheBlockedKeys: boolean;
}

const unnamedPerBackend = new WeakMap<object, number>();

function chooseStore(parsed: z.output<typeof optionsSchema>, redisUrl: string | undefined): RateLimitStore {
  if (typeof parsed.store === 'object') return parsed.store;
  if (parsed.redis === false) {
    if (parsed.store === 'redis') throw new ConfigError([{ variable: 'store', message: '"redis" contradicts redis: false' }], 'rate limiter options');
    return createMemoryStore();
  }
  if (parsed.store === 'memory') return createMemoryStore(); // deprecated alias of redis: false
  const client = resolveRedis(parsed.redis, parsed.env) ?? (redisUrl ? resolveRedis(redisUrl) : null);
  if (!client && parsed.store === 'redis') {
    throw new ConfigError([{ variable: 'store', message: '"redis" needs a `redis` option, REDIS_URL or REDIS_HOST' }], 'rate limiter options');
  }
  return client ? createRedisStore(client, parsed.timeoutMs === undefined ? {} : { timeoutMs: parsed.timeoutMs }) : createMemoryStore();
}

function warnMisconfigurations(parsed: z.output<typeof optionsSchema>, name: string, windowMs: number, store: RateLimitStore): void {
  if (windowMs < 1000) {
    // Almost always seconds given where milliseconds are expected (`windowMs: 60`).
    emitKitWarning('WARN_RATE_LIMIT_WINDOW_MS_SMALL',
      `Rate limiter "${name}": windowMs is ${windowMs} ms (under one second). windowMs is in milliseconds: for ${windowMs} seconds write ${windowMs * 1000}.`, name);
  }
  if (parsed.name !== undefined) return;
  const backend: object = (store as { client?: object }).client ?? store;
  const count = (unnamedPerBackend.get(backend) ?? 0) + 1;
  unnamedPerBackend.set(backend, count);
  if (count > 1) {
    emitKitWarning('WARN_RATE_LIMIT_UNNAMED_SHARED_STORE',
      'Two rate limiters without a `name` share one store, so they count the same keys together. Give each limiter its own `name`.');
  }
}

/** Validates `options` (a `ConfigError` for bad ones), fills defaults from the environment, picks the store. */
export function resolveLimiterOptions(options: RateLimiterOptions): ResolvedLimiter {
  const parsed = parseOptions(optionsSchema, options, 'rate limiter options');
  const needsEnv = parsed.limit === undefined || parsed.windowMs === undefined || (parsed.store === undefined && parsed.redis === undefined) ||
    (parsed.algorithm === 'token-bucket' && parsed.burst === undefined);
  const settings = needsEnv ? loadRateLimitSettings(parsed.env) : undefined;
  const algorithm = parsed.algorithm ?? 'sliding-log';
  const limit = parsed.limit ?? settings!.requestsPerMinute;
  const windowMs = parsed.windowMs ?? settings!.windowSeconds * 1000;
  const burst = parsed.burst ?? (settings?.burstFromEnv ? settings.burst : undefined);
  const capacity = algorithm === 'token-bucket' ? (burst ?? limit) : limit;
  const name = parsed.name ?? 'default';
  const store = chooseStore(parsed, settings?.redisUrl);
  const blockMs = parsed.blockMs ?? 0;
  if (blockMs > 0 && !(store.features ?? []).includes('block')) {
    throw new ConfigError([{ variable: 'blockMs', message: `the "${store.kind}" store does not support blocking (no 'block' in its features)` }], 'rate limiter options');
  }
  warnMisconfigurations(parsed, name, windowMs, store);
  // frozen like the limiter's dynamic policies: one hidden class for every policy the stores read
  return { name, policy: Object.freeze({ algorithm, limit, windowMs, capacity, blockMs }), store, cacheBlockedKeys: (parsed.cacheBlockedKeys ?? true) && store.kind !== 'memory' };
}
