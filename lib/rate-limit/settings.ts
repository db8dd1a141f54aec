/**
 * Environment settings of the rate limiter: REDIS_* and RATE_LIMIT_* variables with the ranges the Python service validates
 * (`autogpt_libs.rate_limit.config`), plus `REDIS_URL`.
 */
import { z } from 'zod';
import { envInt, envOptionalInt, envString, parseEnvSettings } from '../config/settings.js';
import { resolveEnv, type Env } from '../config/env.js';

const rateLimitEnvSchema = z.object({
  REDIS_HOST: envString(),
  REDIS_PORT: envInt({ min: 1, max: 65535, default: 6379 }),
  REDIS_PASSWORD: envString(),
  REDIS_DB: envOptionalInt({ min: 0, max: 15 }),
  REDIS_URL: z.preprocess(
    (value) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined),
    z.string().regex(/^rediss?:\/\//, { message: 'must start with redis:// or rediss://' }).optional(),
  ),
  RATE_LIMIT_REQUESTS_PER_MINUTE: envInt({ min: 1, max: 10_000, default: 60 }),
  RATE_LIMIT_WINDOW_SECONDS: envInt({ min: 1, max: 3600, default: 60 }),
  RATE_LIMIT_BURST: envInt({ min: 1, max: 100, default: 10 }),
});

/** Validated rate-limit settings (see {@link loadRateLimitSettings}). */
export interface RateLimitSettings {
  /** `REDIS_HOST` (default `localhost`). */
  redisHost: string;
  /** `REDIS_PORT`, 1–65535 (default 6379). */
  redisPort: number;
  /** `REDIS_PASSWORD` (never logged). */
  redisPassword: string | undefined;
  /** `REDIS_DB`, 0–15 (default 0). */
  redisDb: number;
  /**
   * The Redis URL the limiter uses when no `redis` option is given: `REDIS_URL`, else one
   * built from `REDIS_HOST`/`REDIS_PORT`/`REDIS_PASSWORD`/`REDIS_DB` when `REDIS_HOST` is set,
   * else `undefined` (in-memory limiting).
   */
  redisUrl: string | undefined;
  /** `RATE_LIMIT_REQUESTS_PER_MINUTE`, 1–10000 (default 60): requests allowed per window. */
  requestsPerMinute: number;
  /** `RATE_LIMIT_WINDOW_SECONDS`, 1–3600 (default 60). */
  windowSeconds: number;
  /** `RATE_LIMIT_BURST`, 1–100 (default 10): token-bucket capacity when set in the environment. */
  burst: number;
  /** Whether `RATE_LIMIT_BURST` was set explicitly (only then it overrides the bucket capacity). */
  burstFromEnv: boolean;
}

/**
 * Reads and validates the rate-limit environment. Throws one `ConfigError`
 * (`ERR_CONFIG_INVALID`) naming every bad variable, never echoing values.
 *
 * @example
 * ```ts
 * const { requestsPerMinute, windowSeconds } = loadRateLimitSettings()
 * ```
 */
export function loadRateLimitSettings(env?: Env): RateLimitSettings {
  const source = resolveEnv(env);
  const parsed = parseEnvSettings(rateLimitEnvSchema, source, 'rate-limit settings');
  const redisHost = parsed.REDIS_HOST ?? 'localhost';
  const redisDb = parsed.REDIS_DB ?? 0;
  let redisUrl = parsed.REDIS_URL;
  if (!redisUrl && parsed.REDIS_HOST) {
    const auth = parsed.REDIS_PASSWORD ? `:${encodeURIComponent(parsed.REDIS_PASSWORD)}@` : '';
    const host = redisHost.includes(':') && !redisHost.startsWith('[') ? `[${redisHost}]` : redisHost;
    redisUrl = `redis://${auth}${host}:${parsed.REDIS_PORT}/${redisDb}`;
  }
  return {
    redisHost,
    redisPort: parsed.REDIS_PORT,
    redisPassword: parsed.REDIS_PASSWORD,
    redisDb,
    redisUrl,
    requestsPerMinute: parsed.RATE_LIMIT_REQUESTS_PER_MINUTE,
    windowSeconds: parsed.RATE_LIMIT_WINDOW_SECONDS,
    burst: parsed.RATE_LIMIT_BURST,
    burstFromEnv: typeof source.RATE_LIMIT_BURST === 'string' && source.RATE_LIMIT_BURST.trim() !== '',
  };
}
