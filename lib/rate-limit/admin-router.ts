/**
 * `rateLimitAdminRouter()`: inspect and reset one client's limit. Router only: mount it behind
 * your admin check (`requireAdminUser()`).
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { HttpError } from '../errors/http-error.js';
import { isKitError } from '../errors/kit-error.js';
import type { RateLimiter } from './limiter.js';

/** Options of {@link rateLimitAdminRouter}. */
export interface RateLimitAdminRouterOptions {
  limiter: RateLimiter;
}

/** Body of `GET /rate-limit/:key`. */
export interface RateLimitKeyStatus {
  limit: number;
  remaining: number;
  /** Unix seconds at which the full quota is back. */
  reset: number;
  /** Requests currently counted. */
  current: number;
  /** Window length in seconds. */
  windowSize: number;
}

const MAX_KEY_LENGTH = 1024;

function keyParam(req: Request): string {
  const key = req.params.key;
  if (typeof key !== 'string' || key === '' || key.length > MAX_KEY_LENGTH) {
    throw new HttpError(400, `Rate limit key must be 1-${MAX_KEY_LENGTH} characters`, { code: 'ERR_VALIDATION' });
  }
  return key;
}

function storeFailure(error: unknown): unknown {
  if (isKitError(error) && error.code === 'ERR_STORE_UNAVAILABLE') {
    return new HttpError(503, 'Rate limit store unavailable', { code: 'ERR_STORE_UNAVAILABLE', cause: error });
  }
  return error;
}

/**
 * Admin routes of a limiter: `GET /rate-limit/:key` → `{ limit, remaining, reset, current,
 * windowSize }` and `POST /rate-limit/:key/reset` → 204. Keys are the ones the middleware uses
 * (`user:<id>`, `ip:<address>`, ...), URL-encoded.
 *
 * @example
 * ```ts
 * app.use('/admin', requireAdminUser(), rateLimitAdminRouter({ limiter }))
 * ```
 */
export function rateLimitAdminRouter(options: RateLimitAdminRouterOptions): Router {
  const limiter = options?.limiter;
  if (!limiter || typeof limiter.info !== 'function' || typeof limiter.reset !== 'function') {
    throw new TypeError('rateLimitAdminRouter: "limiter" must be a createRateLimiter() result');
  }
  const router = express.Router();
  /** Parses `:key` (a bad one goes to `next` as a 400) and turns store failures into 503s. */
  const withKey = (handle: (key: string, res: Response) => Promise<void>) =>
    function rateLimitAdminHandler(req: Request, res: Response, next: NextFunction): void {
      let key: string;
      try {
        key = keyParam(req);
      } catch (error) {
        next(error);
        return;
      }
      handle(key, res).catch((error: unknown) => next(storeFailure(error)));
    };
  router.get('/rate-limit/:key', withKey(async (key, res) => {
    const info = await limiter.info(key);
    const body: RateLimitKeyStatus = {
      limit: info.limit,
      remaining: info.remaining,
      reset: Math.ceil(info.resetAt / 1000),
      current: info.current,
      windowSize: info.windowMs / 1000,
    };
    res.json(body);
  }));
  router.post('/rate-limit/:key/reset', withKey(async (key, res) => {
    await limiter.reset(key);
    res.status(204).end();
  }));
  return router;
}
