/**
 * `rateLimit()`: the Express glue around a {@link RateLimiter}. It never talks to Redis itself.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { ConfigError, parseOptions } from '../config/settings.js';
import { emitKitWarning } from '../config/warnings.js';
import { HttpError } from '../errors/http-error.js';
import { trustProxyCheck } from '../http/trust-proxy.js';
import { isKitError } from '../errors/kit-error.js';
import { getLogger } from '../logging/logger.js';
import { withOpenApiMetadata } from '../openapi/metadata.js';
import { defaultClientKey } from './client-key.js';
import { rateLimitHeaders, rateLimitedError, setRateLimitHeaders } from './headers.js';
import { SYNC_CHECK, createRateLimiter, type RateLimiter, type RateLimiterOptions } from './limiter.js';
import type { RateLimitResult } from './types.js';

/** Paths never counted by default (the reference's list plus `/metrics`). */
export const DEFAULT_RATE_LIMIT_EXEMPT_PATHS: readonly string[] = ['/health', '/docs', '/openapi.json', '/static/', '/metrics'];

/** What to do when the store (Redis) fails. */
export type RateLimitStoreFailureMode = 'open' | 'closed' | 'memory';

/** Options of {@link rateLimit}: a `limiter`, or the options to create one, plus these. */
export interface RateLimitMiddlewareOptions extends RateLimiterOptions {
  /** A limiter from `createRateLimiter()` (then the limiter options above must be omitted). */
  limiter?: RateLimiter;
  /**
   * Paths never counted. An entry ending in `/` is a prefix (`/static/`); any other entry matches
   * itself and its sub-paths (`/docs` matches `/docs` and `/docs/x`, not `/docsx`). Default
   * {@link DEFAULT_RATE_LIMIT_EXEMPT_PATHS}.
   */
  exemptPaths?: readonly (string | RegExp)[];
  /** Skip counting when this returns true. */
  skip?: (req: Request) => boolean;
  /** Custom client key; return `undefined` to fall back to the built-in key. */
  keyGenerator?: (req: Request) => string | undefined | Promise<string | undefined>;
  /** IPv6 clients are grouped by this prefix length (default 56). */
  ipv6Subnet?: number;
  /** Store failure: `'open'` (default: pass), `'closed'` (503) or `'memory'` (per-process limiter). */
  onStoreError?: RateLimitStoreFailureMode;
  /** Send `X-RateLimit-*` headers (default true). */
  legacyHeaders?: boolean;
  /** Send IETF `RateLimit`/`RateLimit-Policy` headers (default true). */
  standardHeaders?: boolean;
}

/** Counters of store failures seen by one middleware. */
export interface RateLimitStoreStats {
  /** Checks that failed because the store was unavailable. */
  storeErrors: number;
  /** Distinct outages (a run of failures ended by a successful check). */
  outages: number;
  /** Whether the last check failed. */
  storeDown: boolean;
}

/** The middleware, with its limiter and store-failure counters. */
export type RateLimitMiddleware = RequestHandler & { readonly limiter: RateLimiter; readonly stats: Readonly<RateLimitStoreStats> };

const MIDDLEWARE_KEYS = ['limiter', 'exemptPaths', 'skip', 'keyGenerator', 'ipv6Subnet', 'onStoreError', 'legacyHeaders', 'standardHeaders'] as const;

const middlewareSchema = z.object({
  limiter: z.custom<RateLimiter>((v) => typeof v === 'object' && v !== null && typeof (v as RateLimiter).check === 'function', { message: 'must be a createRateLimiter() result' }).optional(),
  exemptPaths: z.array(z.union([z.string().startsWith('/', { message: 'paths start with "/"' }), z.instanceof(RegExp)])).optional(),
  skip: z.custom<(req: Request) => boolean>((v) => typeof v === 'function', { message: 'must be a function' }).optional(),
  keyGenerator: z.custom<NonNullable<RateLimitMiddlewareOptions['keyGenerator']>>((v) => typeof v === 'function', { message: 'must be a function' }).optional(),
  ipv6Subnet: z.number().int().min(1).max(128).optional(),
  onStoreError: z.enum(['open', 'closed', 'memory']).optional(),
  legacyHeaders: z.boolean().optional(),
  standardHeaders: z.boolean().optional(),
});

/** The message of a store failure's cause (the failure itself is always ERR_STORE_UNAVAILABLE). */
function causeText(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  return error.cause instanceof Error ? error.cause.message : error.message;
}

/** Seconds a client is told to wait when the limiter answers 503 (`onStoreError: 'closed'`). */
const STORE_DOWN_RETRY_AFTER_SECONDS = 5;

function exemptMatcher(entries: readonly (string | RegExp)[]): (path: string) => boolean {
  return (path) => {
    for (const entry of entries) {
      if (typeof entry !== 'string') {
        if (entry.test(path)) return true;
      } else if (entry.endsWith('/') ? path.startsWith(entry) : path === entry || path.startsWith(`${entry}/`)) {
        return true;
      }
    }
    return false;
  };
}

/**
 * Rate-limiting middleware: exempt paths pass uncounted; other requests are counted per client
 * and get `X-RateLimit-*` and `RateLimit`/`RateLimit-Policy` headers; over the limit, `next()`
 * receives a 429 `HttpError` (code `ERR_RATE_LIMITED`, accurate `Retry-After`).
 *
 * @example
 * ```ts
 * app.use(rateLimit({ name: 'api', limit: 100, windowMs: 60_000, redis: process.env.REDIS_URL }))
 * app.use(errorHandler())
 * ```
 */
export function rateLimit(options: RateLimitMiddlewareOptions = {}): RateLimitMiddleware {
  const middlewarePart: Record<string, unknown> = {};
  const limiterPart: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    ((MIDDLEWARE_KEYS as readonly string[]).includes(key) ? middlewarePart : limiterPart)[key] = value;
  }
  const settings = parseOptions(middlewareSchema, middlewarePart, 'rateLimit options');
  if (settings.limiter && Object.keys(limiterPart).length > 0) {
    throw new ConfigError([{ variable: 'limiter', message: `pass either "limiter" or limiter options, not both (got ${Object.keys(limiterPart).join(', ')})` }], 'rateLimit options');
  }
  const limiter = settings.limiter ?? createRateLimiter(limiterPart as RateLimiterOptions);
  const mode = settings.onStoreError ?? 'open';
  const fallback = mode === 'memory'
    ? createRateLimiter({ name: limiter.name, store: 'memory', algorithm: limiter.algorithm, limit: limiter.limit, windowMs: limiter.windowMs, burst: limiter.capacity })
    : undefined;
  const isExempt = exemptMatcher(settings.exemptPaths ?? DEFAULT_RATE_LIMIT_EXEMPT_PATHS);
  const ipv6Subnet = settings.ipv6Subnet ?? 56;
  const ipKeys = new Map<string, string>();
  const headerOptions = { legacy: settings.legacyHeaders ?? true, standard: settings.standardHeaders ?? true };
  const stats: RateLimitStoreStats = { storeErrors: 0, outages: 0, storeDown: false };
  const logger = getLogger('rate-limit');
  const keyGenerator = settings.keyGenerator;
  const skip = settings.skip;
  const checkTrustProxy = trustProxyCheck('rate-limit', 'clients share or escape their rate limit');

  // Header values that only change with the result, built once (strings: Node validates and
  // stringifies every header value, a number costs a conversion more).
  const policyHeader = `"${limiter.name}";q=${limiter.capacity};w=${Math.max(1, Math.ceil(limiter.windowMs / 1000))}`;
  const limitText = String(limiter.capacity);
  const itemPrefix = `"${limiter.name}";r=`;
  function answer(result: RateLimitResult, res: Response, next: NextFunction): void {
    if (result.allowed) {
      // hot path: set the headers directly (same values as rateLimitHeaders())
      if (!res.headersSent) {
        if (headerOptions.legacy) {
          res.setHeader('X-RateLimit-Limit', limitText); // result.limit is always the capacity (fallback included)
          res.setHeader('X-RateLimit-Remaining', String(result.remaining));
          res.setHeader('X-RateLimit-Reset', String(Math.ceil(result.resetAt / 1000)));
        }
        if (headerOptions.standard) {
          const item = `${itemPrefix}${result.remaining};t=${Math.max(0, Math.ceil((result.resetAt - Date.now()) / 1000))}`;
          const policies = res.getHeader('RateLimit-Policy');
          const items = res.getHeader('RateLimit');
          res.setHeader('RateLimit-Policy', policies === undefined ? policyHeader : `${String(policies)}, ${policyHeader}`);
          res.setHeader('RateLimit', items === undefined ? item : `${String(items)}, ${item}`);
        }
      }
      next();
      return;
    }
    const headers = rateLimitHeaders(result, limiter.name, limiter.windowMs, headerOptions);
    setRateLimitHeaders(res, headers);
    next(rateLimitedError(result, headers));
  }

  // One log line when an outage starts and one when it ends (with the count of failed checks),
  // never one per request: the 503s below are marked `reported` so errorHandler stays quiet.
  let failedInOutage = 0;
  function storeFailed(error: unknown, key: string, res: Response, next: NextFunction): void {
    stats.storeErrors++;
    failedInOutage++;
    if (!stats.storeDown) {
      stats.storeDown = true;
      stats.outages++;
      const message = `Rate limiter "${limiter.name}": store (${limiter.store.kind}) unavailable; failing ${mode}`;
      logger.warn(message, { code: 'ERR_STORE_UNAVAILABLE', cause: causeText(error) });
      emitKitWarning('WARN_RATE_LIMIT_STORE_UNAVAILABLE', message, `${limiter.name}#${stats.outages}`);
    }
    if (mode === 'open') {
      next();
    } else if (mode === 'closed') {
      next(new HttpError(503, 'Rate limit service temporarily unavailable', {
        code: 'ERR_STORE_UNAVAILABLE', headers: { 'Retry-After': String(STORE_DOWN_RETRY_AFTER_SECONDS) }, cause: error, reported: true,
      }));
    } else {
      fallback!.check(key).then((result) => answer(result, res, next)).catch(next);
    }
  }

  // In-process stores (memory) answer synchronously: no promise hop per request.
  const syncCheck = (limiter as { [SYNC_CHECK]?: (key: string) => RateLimitResult })[SYNC_CHECK];

  function failed(error: unknown, key: string, res: Response, next: NextFunction): void {
    if (isKitError(error) && error.code === 'ERR_STORE_UNAVAILABLE') storeFailed(error, key, res, next);
    else next(error);
  }

  function run(key: string, res: Response, next: NextFunction): void {
    if (syncCheck !== undefined) {
      let result: RateLimitResult;
      try {
        result = syncCheck(key);
      } catch (error) {
        failed(error, key, res, next);
        return;
      }
      answer(result, res, next);
      return;
    }
    limiter.check(key).then(
      (result) => {
        if (stats.storeDown) {
          stats.storeDown = false;
          logger.info(`Rate limiter "${limiter.name}": store available again after ${failedInOutage} failed checks`, { failedChecks: failedInOutage });
          failedInOutage = 0;
        }
        answer(result, res, next);
      },
      (error: unknown) => failed(error, key, res, next),
    ).catch(next); // never an unhandled rejection, whatever throws above
  }

  // The key is worked out inside the try; next() and the check run outside it, so an error
  // thrown further down the chain can never reach this catch and call next() a second time.
  const clientKeyOf = (key: string | undefined, req: Request): string => (typeof key === 'string' && key !== '' ? key : defaultClientKey(req, ipv6Subnet, ipKeys));
  const middleware = function rateLimitMiddleware(req: Request, res: Response, next: NextFunction): void {
    let key: string | undefined;
    let pendingKey: Promise<string | undefined> | undefined;
    try {
      const url = req.originalUrl ?? req.url;
      const query = url.indexOf('?');
      if (!(isExempt(query === -1 ? url : url.slice(0, query)) || (skip !== undefined && skip(req)))) {
        checkTrustProxy(req);
        if (keyGenerator === undefined) {
          key = defaultClientKey(req, ipv6Subnet, ipKeys);
        } else {
          const custom = keyGenerator(req);
          if (typeof custom === 'string' || custom === undefined) key = clientKeyOf(custom, req);
          else pendingKey = Promise.resolve(custom);
        }
      }
    } catch (error) {
      next(error);
      return;
    }
    if (key !== undefined) {
      run(key, res, next);
    } else if (pendingKey !== undefined) {
      pendingKey.then((custom) => run(clientKeyOf(custom, req), res, next), next).catch(next);
    } else {
      next(); // exempt or skipped: not counted, no headers
    }
  };
  Object.defineProperty(middleware, 'limiter', { value: limiter, enumerable: true });
  Object.defineProperty(middleware, 'stats', { get: () => ({ ...stats }), enumerable: true });
  return withOpenApiMetadata(middleware as RateLimitMiddleware, {
    rateLimit: { limit: limiter.limit, windowMs: limiter.windowMs, algorithm: limiter.algorithm },
    ...(mode === 'closed' ? { serviceUnavailable: 'The rate limit store is unavailable' } : {}),
  });
}
