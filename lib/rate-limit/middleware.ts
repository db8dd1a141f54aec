/**
 * `rateLimit()`: the Express glue around a {@link RateLimiter}. It never talks to Redis itself
 * and never knows which store the limiter has: `limiter.hit()` answers now or later, and a
 * synchronous answer (memory) is handled in the same tick, without a promise.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { asyncMiddleware } from '../http/async-middleware.js';
import { getLogger } from '../logging/logger.js';
import { settleShape } from '../http/object-shape.js';
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
import { requestChecks, type PolicyPlan, type RequestChecks } from './request-checks.js';
import { isPromiseLike, type MaybePromise, type RateLimitMultiResult, type RateLimitResult } from './types.js';

export {
  DEFAULT_RATE_LIMIT_EXEMPT_PATHS, type RateLimitMiddlewareOptions, type RateLimitExceededHandler, type RateLimitMessage,
  type RateLimitMiddlewarePolicy, type PerRequest,
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
    ? createRateLimiter({ name: limiter.name, redis: false, algorithm: limiter.algorithm, limit: limiter.limit, windowMs: limiter.windowMs, burst: limiter.capacity, blockMs: limiter.blockMs })
    : undefined;
  const tally = rateLimitTally(limiter.name);
  const failures = storeFailureHandler(limiter, mode, fallback, tally);
  const exemptPaths = settings.exemptPaths ?? DEFAULT_RATE_LIMIT_EXEMPT_PATHS;
  const isExempt = exemptMatcher(exemptPaths);
  const { keyGenerator, skip, handler: onLimited, message, cost, skipFailedRequests, skipSuccessfulRequests } = settings;
  const requestWasSuccessful = settings.requestWasSuccessful ?? statusBelow400;
  const refundsAfterResponse = skipFailedRequests === true || skipSuccessfulRequests === true;
  const statusCode = settings.statusCode ?? 429;
  const ipv6Subnet = settings.ipv6Subnet ?? 56;
  const ipKeys = new BoundedMap<string, string>(MAX_IP_KEYS);
  const standard = settings.standardHeaders ?? true;
  const headerOptions = { legacy: settings.legacyHeaders ?? true, standard };
  const listHeaders = standard === true || standard === 'draft-8';
  const plans: PolicyPlan[] = settings.policies === undefined
    ? [{ name: limiter.name, limit: settings.limit, windowMs: settings.windowMs, keyGenerator: undefined, keyPrefix: '' }]
    : settings.policies.map((policy, i) => {
      const name = policy.name ?? `${limiter.name}.${i}`;
      return { name, limit: policy.limit, windowMs: policy.windowMs, keyGenerator: policy.keyGenerator, keyPrefix: `${name}:` };
    });
  const headerBuilders = plans.map((plan) => rateLimitHeaderBuilder(plan.name, headerOptions));
  const headersOf = headerBuilders[0]!;
  // The plain path (one policy, fixed numbers, one unit): exactly the check of before, no per-request evaluation.
  const plain = settings.policies === undefined && settings.limit === undefined && settings.windowMs === undefined && (cost === undefined || cost === 1);
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
    tally.limited++;
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

  /** An allowed request: on to the route, with its refund armed after the response when asked. */
  function pass(req: Request, res: Response, next: NextFunction, info: RequestRateLimit): void {
    tally.allowed++;
    setRequestRateLimit(req, info);
    if (refundsAfterResponse) refundAfterResponse(req, res, info);
    next();
  }

  function respondPlain(req: Request, res: Response, next: NextFunction, key: string, result: RateLimitResult, used: RateLimiter): void | Promise<void> {
    const headers = headersOf(result, result.policy.windowMs, key);
    setRateLimitHeaders(res, headers, listHeaders);
    if (result.allowed) {
      pass(req, res, next, new RequestRateLimit(result.limit, result.used, result.remaining, result.resetAt, key, limiter.name, 0, result.cost, used, key));
      return undefined;
    }
    const info = new RequestRateLimit(result.limit, result.used, result.remaining, result.resetAt, key, limiter.name, result.retryAfterMs, 0, undefined, undefined);
    setRequestRateLimit(req, info);
    return refuse(req, res, next, result, headers, info);
  }

  function decidePlain(req: Request, key: string, res: Response, next: NextFunction): void | Promise<void> {
    const answer = limiter.hit(key);
    if (!isPromiseLike(answer)) return respondPlain(req, res, next, key, answer, limiter);
    return answer.then(
      (result) => {
        failures.answered();
        return respondPlain(req, res, next, key, result, limiter);
      },
      (error: unknown) => failures.failed(error, next, (memory) => memory.check(key).then((result) => respondPlain(req, res, next, key, result, memory))),
    );
  }

  /** With per-request options: the headers of every policy, `req.rateLimit` of the one that denied (or has the least left). */
  function respond(req: Request, res: Response, next: NextFunction, { checks, clientKeys }: RequestChecks, outcome: RateLimitMultiResult, used: RateLimiter): void | Promise<void> {
    const { results } = outcome;
    let shown = outcome.deniedIndex;
    if (shown < 0) {
      shown = 0;
      for (let i = 1; i < results.length; i++) if (results[i]!.remaining < results[shown]!.remaining) shown = i;
    }
    const result = results[shown]!;
    const headers = headerBuilders[shown]!(result, result.policy.windowMs, clientKeys[shown]!);
    if (listHeaders && results.length > 1) {
      const items = results.map((r, i) => headerBuilders[i]!(r, r.policy.windowMs, clientKeys[i]!));
      for (const name of ['RateLimit', 'RateLimit-Policy']) headers[name] = items.map((h) => h[name]).join(', ');
    }
    setRateLimitHeaders(res, headers, listHeaders);
    const name = plans[shown]!.name;
    if (outcome.allowed) {
      pass(req, res, next, new RequestRateLimit(result.limit, result.used, result.remaining, result.resetAt, clientKeys[shown]!, name, 0, result.cost, used, checks));
      return undefined;
    }
    const info = new RequestRateLimit(result.limit, result.used, result.remaining, result.resetAt, clientKeys[shown]!, name, result.retryAfterMs, 0, undefined, undefined);
    setRequestRateLimit(req, info);
    return refuse(req, res, next, result, headers, info);
  }

  /** The request's checks on `on` (the limiter, or the memory fallback): one `hit`, or `hitAll` for several policies. */
  function run(on: RateLimiter, planned: RequestChecks): MaybePromise<RateLimitMultiResult> {
    if (planned.checks.length > 1) return on.hitAll(planned.checks);
    const check = planned.checks[0]!;
    const answer = on.hit(check.key, check);
    const single = (result: RateLimitResult): RateLimitMultiResult => ({ allowed: result.allowed, deniedIndex: result.allowed ? -1 : 0, results: [result] });
    return isPromiseLike(answer) ? answer.then(single) : single(answer);
  }

  function decideWith(req: Request, planned: RequestChecks, res: Response, next: NextFunction): void | Promise<void> {
    const answer = run(limiter, planned);
    if (!isPromiseLike(answer)) return respond(req, res, next, planned, answer, limiter);
    return answer.then(
      (outcome) => {
        failures.answered();
        return respond(req, res, next, planned, outcome, limiter);
      },
      (error: unknown) => failures.failed(error, next, async (memory) => respond(req, res, next, planned, await run(memory, planned), memory)),
    );
  }

  function decide(req: Request, key: string, res: Response, next: NextFunction): void | Promise<void> {
    if (plain && !refundsAfterResponse) return decidePlain(req, key, res, next);
    const planned = requestChecks(plans, cost, req, key);
    if (isPromiseLike(planned)) return planned.then((p) => decideWith(req, p, res, next));
    return decideWith(req, planned, res, next);
  }

  const middleware = asyncMiddleware('rateLimitMiddleware', (req, res, next) => {
    if (!counted(req)) {
      next(); // exempt or skipped: not counted, no headers
      return undefined;
    }
    if (keyGenerator === undefined) {
      const key = defaultClientKey(req, ipv6Subnet, ipKeys);
      // `trust proxy` decides the key only when it is the client's address (not a user's id)
      if (key.startsWith('ip:')) checkTrustProxy(req);
      return decide(req, key, res, next);
    }
    checkTrustProxy(req); // a key function may read req.ip
    const custom = keyGenerator(req);
    if (isPromiseLike(custom)) return custom.then((key) => decide(req, clientKeyOf(key, req), res, next));
    return decide(req, clientKeyOf(custom, req), res, next);
  });

  /**
   * `skipFailedRequests`/`skipSuccessfulRequests`: after `finish`, refund when the response is
   * of the skipped kind; after `close` without `finish` (the client went away), refund when
   * failures are skipped. `info.refund()` is once-only, so the two events, and an app's own
   * `req.rateLimit.refund()`, give back at most once.
   */
  function refundAfterResponse(req: Request, res: Response, info: RequestRateLimit): void {
    const onFinish = (): void => {
      res.off('close', onClose);
      let success: boolean | Promise<boolean>;
      try {
        success = requestWasSuccessful(req, res);
      } catch (error) {
        logger.warn(`Rate limiter "${limiter.name}": requestWasSuccessful threw; the request stays counted`, { cause: error instanceof Error ? error.message : String(error) });
        return;
      }
      const decide = (ok: boolean): void => {
        if ((ok && skipSuccessfulRequests === true) || (!ok && skipFailedRequests === true)) void info.refund();
      };
      if (isPromiseLike(success)) {
        success.then(decide, (error: unknown) => logger.warn(`Rate limiter "${limiter.name}": requestWasSuccessful rejected; the request stays counted`, { cause: error instanceof Error ? error.message : String(error) }));
      } else {
        decide(success);
      }
    };
    const onClose = (): void => {
      res.off('finish', onFinish);
      if (!res.writableFinished && skipFailedRequests === true) void info.refund();
    };
    res.once('finish', onFinish);
    res.once('close', onClose);
  }

  Object.defineProperty(middleware, 'limiter', { value: limiter, enumerable: true });
  Object.defineProperty(middleware, 'stats', { get: () => ({ ...failures.stats }), enumerable: true });
  return withOpenApiMetadata(middleware as RateLimitMiddleware, {
    rateLimit: { limit: limiter.limit, windowMs: limiter.windowMs, algorithm: limiter.algorithm },
    exemptPaths, // the document lists no 429 on an exempt path
    ...(mode === 'closed' ? { serviceUnavailable: 'The rate limit store is unavailable' } : {}),
  });
}

/** `req.rateLimit`, on a request in dictionary mode (lib/http/object-shape.ts). */
function setRequestRateLimit(req: Request, info: RequestRateLimit): void {
  settleShape(req);
  req.rateLimit = info;
}

const statusBelow400 = (_req: Request, res: Response): boolean => res.statusCode < 400;
const logger = getLogger('rate-limit');

/** `message`'s body: a string as text, anything else as JSON (express-rate-limit's `res.send`). */
function sendBody(res: Response, status: number, body: unknown): void {
  if (res.headersSent) return;
  res.status(status);
  if (typeof body === 'string') res.send(body);
  else res.json(body);
}
