/**
 * `rateLimit()`'s own options (the limiter's are in limiter-options.ts): one zod schema,
 * compiler-checked against the interface, and the split of a mixed options object.
 */
import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { ConfigError, parseOptions } from '../config/settings.js';
import type { RateLimiter, RateLimiterOptions } from './limiter.js';
import { RATE_LIMIT_HEADERS_DRAFTS, type RateLimitHeadersDraft } from './headers.js';
import type { RateLimitRequestInfo } from './request-info.js';
import type { RateLimitStoreFailureMode } from './store-failure.js';

/** `handler` of {@link RateLimitMiddlewareOptions}: answers a refused request (`info` is `req.rateLimit`). */
export type RateLimitExceededHandler = (req: Request, res: Response, next: NextFunction, info: RateLimitRequestInfo) => void | Promise<void>;

/** `message` of {@link RateLimitMiddlewareOptions}: a body, or a function of the request returning one. */
export type RateLimitMessage = string | Record<string, unknown> | unknown[] | ((req: Request, res: Response, info: RateLimitRequestInfo) => unknown);

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
  /**
   * IETF headers (draft-ietf-httpapi-ratelimit-headers): `'draft-6'`, `'draft-7'`, `'draft-8'`
   * (with the partition key `pk`, a hash of the client key), `true` (default: draft 8's
   * `RateLimit`/`RateLimit-Policy` without `pk`, what the kit always sent) or `false`.
   */
  standardHeaders?: boolean | RateLimitHeadersDraft;
  /**
   * Answers a refused request instead of passing the 429 `HttpError` to `next()` (called with
   * `req.rateLimit`; headers and `Retry-After` are already set). Errors it throws go to `next()`.
   */
  handler?: RateLimitExceededHandler;
  /**
   * Status of a refused request (default 429). Without `message`, the kit's 429 error carries
   * this status; with it, the body is sent with this status.
   */
  statusCode?: number;
  /**
   * The body of a refused request, sent by the middleware itself (string as text, object as
   * JSON; a function of `(req, res, info)` may return either, or a promise of it). Default: none,
   * the `HttpError` goes to `next()` and `errorHandler()` renders the kit's detail object.
   */
  message?: RateLimitMessage;
}

/** Paths never counted by default (health checks, the API docs, static assets and `/metrics`). */
export const DEFAULT_RATE_LIMIT_EXEMPT_PATHS: readonly string[] = ['/health', '/docs', '/openapi.json', '/static/', '/metrics'];

type MiddlewareOnlyOptions = Omit<RateLimitMiddlewareOptions, keyof RateLimiterOptions>;
const isFunction = (v: unknown): boolean => typeof v === 'function';

const middlewareSchema = z.object({
  limiter: z.custom<RateLimiter>((v) => typeof v === 'object' && v !== null && typeof (v as RateLimiter).hit === 'function', { message: 'must be a createRateLimiter() result' }).optional(),
  exemptPaths: z.array(z.union([z.string().startsWith('/', { message: 'paths start with "/"' }), z.instanceof(RegExp)])).optional(),
  skip: z.custom<(req: Request) => boolean>(isFunction, { message: 'must be a function' }).optional(),
  keyGenerator: z.custom<NonNullable<RateLimitMiddlewareOptions['keyGenerator']>>(isFunction, { message: 'must be a function' }).optional(),
  ipv6Subnet: z.number().int().min(1).max(128).optional(),
  onStoreError: z.enum(['open', 'closed', 'memory']).optional(),
  legacyHeaders: z.boolean().optional(),
  standardHeaders: z.union([z.boolean(), z.enum(RATE_LIMIT_HEADERS_DRAFTS as unknown as [RateLimitHeadersDraft, ...RateLimitHeadersDraft[]])]).optional(),
  handler: z.custom<RateLimitExceededHandler>(isFunction, { message: 'must be a function (req, res, next, info)' }).optional(),
  statusCode: z.number().int().min(400).max(599).optional(),
  message: z.custom<RateLimitMessage>((v) => ['string', 'function', 'object'].includes(typeof v) && v !== null, { message: 'must be a string, an object or a function' }).optional(),
} satisfies { [K in keyof Required<MiddlewareOnlyOptions>]: z.ZodType });

/** The middleware's own settings, and the limiter options left for `createRateLimiter()`. */
export function splitMiddlewareOptions(options: RateLimitMiddlewareOptions): {
  settings: z.output<typeof middlewareSchema>;
  limiterOptions: RateLimiterOptions | undefined;
} {
  const own: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options ?? {})) {
    if (value !== undefined) (key in middlewareSchema.shape ? own : rest)[key] = value;
  }
  const settings = parseOptions(middlewareSchema, own, 'rateLimit options');
  if (settings.limiter && Object.keys(rest).length > 0) {
    throw new ConfigError([{ variable: 'limiter', message: `pass either "limiter" or limiter options, not both (got ${Object.keys(rest).join(', ')})` }], 'rateLimit options');
  }
  return { settings, limiterOptions: settings.limiter ? undefined : (rest as RateLimiterOptions) };
}
