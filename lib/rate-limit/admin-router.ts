/**
 * `rateLimitAdminRouter()`: inspect and reset one client's limit. Router only: mount it behind
 * your admin check (`requireAdminUser()`).
 */
import { isIP } from 'node:net';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { parseOptions } from '../config/settings.js';
import { HttpError } from '../errors/http-error.js';
import { isKitError } from '../errors/kit-error.js';
import { rateLimitIpKey } from './client-key.js';
import type { RateLimiter } from './limiter.js';

/** Options of {@link rateLimitAdminRouter}. */
export interface RateLimitAdminRouterOptions {
  limiter: RateLimiter;
  /** IPv6 prefix `/rate-limit/ip/:ip` groups by; use the middleware's `ipv6Subnet` (default 56). */
  ipv6Subnet?: number;
}

/** Body of `GET /rate-limit/:key`. */
export interface RateLimitKeyStatus {
  /** The client key that was read (`user:42`, `apikey:key_1`, `ip:192.0.2.1`, or the raw key). */
  key: string;
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

const optionsSchema = z.object({
  limiter: z.custom<RateLimiter>((v) => typeof v === 'object' && v !== null && typeof (v as RateLimiter).info === 'function' &&
    typeof (v as RateLimiter).reset === 'function', { message: 'must be a createRateLimiter() result' }),
  ipv6Subnet: z.number().int().min(1).max(128).optional(),
} satisfies { [K in keyof Required<RateLimitAdminRouterOptions>]: z.ZodType }).strict();

function checkedKey(key: unknown): string {
  if (typeof key !== 'string' || key === '' || key.length > MAX_KEY_LENGTH) {
    throw new HttpError(400, `Rate limit key must be 1-${MAX_KEY_LENGTH} characters`, { code: 'ERR_VALIDATION' });
  }
  return key;
}

/** How each route finds the client key: what an operator knows, turned into the middleware's key. */
type KeyOf = (req: Request) => string;

function keyFinders(ipv6Subnet: number): Record<string, KeyOf> {
  return {
    '/rate-limit/user/:id': (req) => `user:${checkedKey(req.params.id)}`,
    '/rate-limit/api-key/:id': (req) => `apikey:${checkedKey(req.params.id)}`,
    '/rate-limit/ip/:ip': (req) => {
      const ip = checkedKey(req.params.ip);
      if (isIP(ip) === 0) throw new HttpError(400, 'Not an IP address', { code: 'ERR_VALIDATION' });
      return `ip:${rateLimitIpKey(ip, ipv6Subnet)}`;
    },
    '/rate-limit/:key': (req) => checkedKey(req.params.key), // the raw client key (DESIGN contract)
  };
}

function storeFailure(error: unknown): unknown {
  if (isKitError(error) && error.code === 'ERR_STORE_UNAVAILABLE') {
    return new HttpError(503, 'Rate limit store unavailable', { code: 'ERR_STORE_UNAVAILABLE', cause: error });
  }
  return error;
}

/**
 * Admin routes of a limiter. Look a client up by what you know: `GET /rate-limit/user/:id`,
 * `/rate-limit/api-key/:id` (the id the middleware keys a verified API key by), `/rate-limit/ip/:ip`
 * (IPv6 grouped like the middleware), or the raw key `GET /rate-limit/:key` (URL-encoded) →
 * `{ key, limit, remaining, reset, current, windowSize }`; `POST <same path>/reset` → 204.
 *
 * @example
 * ```ts
 * app.use('/admin', requireAdminUser(), rateLimitAdminRouter({ limiter }))
 * ```
 */
export function rateLimitAdminRouter(options: RateLimitAdminRouterOptions): Router {
  const { limiter, ipv6Subnet } = parseOptions(optionsSchema, options, 'rateLimitAdminRouter options');
  const router = express.Router();
  /** Works out the key (a bad one goes to `next` as a 400) and turns store failures into 503s. */
  const withKey = (keyOf: KeyOf, handle: (key: string, res: Response) => Promise<void>) =>
    function rateLimitAdminHandler(req: Request, res: Response, next: NextFunction): void {
      let key: string;
      try {
        key = keyOf(req);
      } catch (error) {
        next(error);
        return;
      }
      handle(key, res).catch((error: unknown) => next(storeFailure(error)));
    };
  const show = async (key: string, res: Response): Promise<void> => {
    const info = await limiter.info(key);
    const body: RateLimitKeyStatus = {
      key,
      limit: info.limit,
      remaining: info.remaining,
      reset: Math.ceil(info.resetAt / 1000),
      current: info.current,
      windowSize: info.windowMs / 1000,
    };
    res.json(body);
  };
  const reset = async (key: string, res: Response): Promise<void> => {
    await limiter.reset(key);
    res.status(204).end();
  };
  for (const [path, keyOf] of Object.entries(keyFinders(ipv6Subnet ?? 56))) {
    router.get(path, withKey(keyOf, show));
    router.post(`${path}/reset`, withKey(keyOf, reset));
  }
  return router;
}
