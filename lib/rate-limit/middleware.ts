/**
 * `rateLimit()`: the Express glue around a {@link RateLimiter}. It never talks to Redis itself
 * and never knows which store the limiter has: `limiter.hit()` answers now or later, and a
 * synchronous answer (memory) is handled in the same tick, without a promise.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { asyncMiddleware } from '../http/async-middleware.js';
import { trustProxyCheck } from '../http/trust-proxy.js';
import { withOpenApiMetadata } from '../openapi/metadata.js';
import { BoundedMap } from './bounded-map.js';
import { defaultClientKey } from './client-key.js';
import { rateLimitHeaderBuilder, setRateLimitHeaders } from './headers.js';
import { createRateLimiter, type RateLimiter } from './limiter.js';
import { rateLimitTally } from './metrics.js';
import { DEFAULT_RATE_LIMIT_EXEMPT_PATHS, splitMiddlewareOptions, type RateLimitMiddlewareOptions } from './middleware-options.js';
import { rateLimitedError, retryAfterSeconds } from './rate-limited-error.js';
import { RequestRateLimit, type RateLimitRequestInfo } from './request-info.js';
import { storeFailureHandler, type RateLimitStoreStats } from './store-failure.js';
import { isPromiseLike, type RateLimitResult } from './types.js';

export {
  DEFAULT_RATE_LIMIT_EXEMPT_PATHS, type RateLimitMiddlewareOptions, type RateLimitExceededHandler, type RateLimitMessage,
} from './middleware-options.js';
export type { RateLimitRequestInfo } from './request-info.js';
export type { RateLimitHeadersDraft } from './headers.js';
export type { RateLimitStoreFailureMode, RateLimitStoreStats } from './store-failure.js';

/** The middleware, with its limiter and store-failure counters. */
export type RateLimitMiddleware = RequestHandler & { readonly limiter: RateLimiter; readonly stats: Readonly<RateLimitStoreStats> };

/** Most client addresses whose keys one middleware remembers. */
const MAX_IP_KEYS = 10_000;

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
  const { settings, limiterOptions } = splitMiddlewareOptions(options);
  const limiter = settings.limiter ?? createRateLimiter(limiterOptions);
  const mode = settings.onStoreError ?? 'open';
  const fallback = mode === 'memory'
    ? createRateLimiter({ name: limiter.name, redis: false, algorithm: limiter.algorithm, limit: limiter.limit, windowMs: limiter.windowMs, burst: limiter.capacity })
    : undefined;
  const tally = rateLimitTally(limiter.name);
  const failures = storeFailureHandler(limiter, mode, fallback, tally);
  const exemptPaths = settings.exemptPaths ?? DEFAULT_RATE_LIMIT_EXEMPT_PATHS;
  const isExempt = exemptMatcher(exemptPaths);
  const { keyGenerator, skip, handler: onLimited, message } = settings;
  const statusCode = settings.statusCode ?? 429;
  const ipv6Subnet = settings.ipv6Subnet ?? 56;
  const ipKeys = new BoundedMap<string, string>(MAX_IP_KEYS);
  const standard = settings.standardHeaders ?? true;
  const headersOf = rateLimitHeaderBuilder(limiter.name, { legacy: settings.legacyHeaders ?? true, standard });
  const listHeaders = standard === true || standard === 'draft-8';
  const checkTrustProxy = trustProxyCheck('rate-limit', 'clients share or escape their rate limit');

  const counted = (req: Request): boolean => {
    const url = req.originalUrl ?? req.url;
    const query = url.indexOf('?');
    return !(isExempt(query === -1 ? url : url.slice(0, query)) || (skip !== undefined && skip(req)));
  };
  const clientKeyOf = (custom: string | undefined, req: Request): string =>
    (typeof custom === 'string' && custom !== '' ? custom : defaultClientKey(req, ipv6Subnet, ipKeys));

  /** A refused request: the app's `handler`, the configured `message`, or the kit's 429 error to `next()`. */
  function refuse(req: Request, res: Response, next: NextFunction, result: RateLimitResult, headers: Record<string, string>, info: RateLimitRequestInfo): void | Promise<void> {
    if (onLimited === undefined && message === undefined) {
      next(rateLimitedError(result, headers, statusCode));
      return undefined;
    }
    if (!res.headersSent) res.setHeader('Retry-After', String(retryAfterSeconds(result.retryAfterMs)));
    if (onLimited !== undefined) return onLimited(req, res, next, info);
    const body = typeof message === 'function' ? message(req, res, info) : message;
    if (isPromiseLike(body)) return body.then((resolved) => void sendBody(res, statusCode, resolved));
    sendBody(res, statusCode, body);
    return undefined;
  }

  function respond(req: Request, res: Response, next: NextFunction, key: string, result: RateLimitResult): void | Promise<void> {
    const headers = headersOf(result, limiter.windowMs, key);
    setRateLimitHeaders(res, headers, listHeaders);
    const used = result.limit - result.remaining;
    if (result.allowed) {
      tally.allowed++;
      req.rateLimit = new RequestRateLimit(result.limit, used, result.remaining, result.resetAt, key, limiter.name, 0, 1, undefined);
      next();
      return undefined;
    }
    tally.limited++;
    const info = new RequestRateLimit(result.limit, used, result.remaining, result.resetAt, key, limiter.name, result.retryAfterMs, 0, undefined);
    req.rateLimit = info;
    return refuse(req, res, next, result, headers, info);
  }

  function decide(req: Request, key: string, res: Response, next: NextFunction): void | Promise<void> {
    const answer = limiter.hit(key);
    if (!isPromiseLike(answer)) return respond(req, res, next, key, answer);
    return answer.then(
      (result) => {
        failures.answered();
        return respond(req, res, next, key, result);
      },
      (error: unknown) => failures.failed(error, key, next, (result) => respond(req, res, next, key, result)),
    );
  }

  const middleware = asyncMiddleware('rateLimitMiddleware', (req, res, next) => {
    if (!counted(req)) {
      next(); // exempt or skipped: not counted, no headers
      return undefined;
    }
    checkTrustProxy(req);
    if (keyGenerator === undefined) return decide(req, defaultClientKey(req, ipv6Subnet, ipKeys), res, next);
    const custom = keyGenerator(req);
    if (isPromiseLike(custom)) return custom.then((key) => decide(req, clientKeyOf(key, req), res, next));
    return decide(req, clientKeyOf(custom, req), res, next);
  });
  Object.defineProperty(middleware, 'limiter', { value: limiter, enumerable: true });
  Object.defineProperty(middleware, 'stats', { get: () => ({ ...failures.stats }), enumerable: true });
  return withOpenApiMetadata(middleware as RateLimitMiddleware, {
    rateLimit: { limit: limiter.limit, windowMs: limiter.windowMs, algorithm: limiter.algorithm },
    exemptPaths, // the document lists no 429 on an exempt path
    ...(mode === 'closed' ? { serviceUnavailable: 'The rate limit store is unavailable' } : {}),
  });
}

/** `message`'s body: a string as text, anything else as JSON (express-rate-limit's `res.send`). */
function sendBody(res: Response, status: number, body: unknown): void {
  if (res.headersSent) return;
  res.status(status);
  if (typeof body === 'string') res.send(body);
  else res.json(body);
}
