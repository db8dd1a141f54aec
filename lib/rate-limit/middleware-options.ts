/**
 * `rateLimit()`'s own options (the limiter's are in limiter-options.ts): one zod schema,
 * compiler-checked against the interface, and the split of a mixed options object.
 */
import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { ConfigError, parseOptions } from '../config/settings.js';
import { LIMITER_NAME_PATTERN } from './keys.js';
import type { RateLimiter, RateLimiterOptions } from './limiter.js';
import { RATE_LIMIT_HEADERS_DRAFTS, type RateLimitHeadersDraft } from './headers.js';
import type { RateLimitRequestInfo } from './request-info.js';
import type { RateLimitStoreFailureMode } from './store-failure.js';

/** `handler` of {@link RateLimitMiddlewareOptions}: answers a refused request (`info` is `req.rateLimit`). */
export type RateLimitExceededHandler = (req: Request, res: Response, next: NextFunction, info: RateLimitRequestInfo) => void | Promise<void>;

/** `message` of {@link RateLimitMiddlewareOptions}: a body, or a function of the request returning one. */
export type RateLimitMessage = string | Record<string, unknown> | unknown[] | ((req: Request, res: Response, info: RateLimitRequestInfo) => unknown);

/** A number, or a function of the request answering it now or later (evaluated once per request). */
export type PerRequest<T> = T | ((req: Request) => T | Promise<T>);

/** One policy of `policies`: its own limit and window, and optionally its own client key. */
export interface RateLimitMiddlewarePolicy {
  /**
   * The policy's name in headers and `req.rateLimit.policy`, and the namespace of its counters
   * (letters, digits, `.`, `_`, `-`). Default `<limiter name>.<index>`.
   */
  name?: string;
  /** Requests (units) per window: a number or a function of the request (a user's plan). */
  limit: PerRequest<number>;
  /** Window in milliseconds: a number or a function of the request. */
  windowMs: PerRequest<number>;
  /** This policy's client key (a tenant id...); `undefined` or absent: the middleware's key. */
  keyGenerator?: (req: Request) => string | undefined | Promise<string | undefined>;
}

/** Options of {@link rateLimit}: a `limiter`, or the options to create one, plus these. */
export interface RateLimitMiddlewareOptions extends Omit<RateLimiterOptions, 'limit' | 'windowMs'> {
  /**
   * Requests per window: a number (the limiter's own, see the limiter options), or a function
   * of the request, sync or async, evaluated once per request (a limit per plan or tenant).
   */
  limit?: PerRequest<number>;
  /** Window in milliseconds: a number, or a function of the request like `limit`. */
  windowMs?: PerRequest<number>;
  /**
   * Units a request costs (default 1): a number or a function of the request (an export
   * costs 10). All or nothing: a request that does not fit whole is refused, nothing charged.
   */
  cost?: PerRequest<number>;
  /**
   * Several policies checked together (per tenant and per user, per second and per hour), in
   * one Redis round trip: the request is refused by the first that denies (in this order), and
   * then none of them is charged. Replaces `limit`/`windowMs`.
   */
  policies?: readonly RateLimitMiddlewarePolicy[];
  /** Give a request's units back when the response failed (`requestWasSuccessful` false, or the connection closed early). */
  skipFailedRequests?: boolean;
  /** Give a request's units back when the response succeeded (count only failures, e.g. failed logins). */
  skipSuccessfulRequests?: boolean;
  /** What a successful response is for the two options above (default: status below 400). */
  requestWasSuccessful?: (req: Request, res: Response) => boolean | Promise<boolean>;
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
const perRequest = (number: z.ZodNumber) => z.union([number, z.custom<(req: Request) => number | Promise<number>>(isFunction, { message: 'must be a number or a function of the request' })]);

const policySchema = z.object({
  name: z.string().regex(LIMITER_NAME_PATTERN, { message: 'must be 1-64 letters, digits, ".", "_" or "-"' }).optional(),
  limit: perRequest(z.number().int().min(1).max(1_000_000)),
  windowMs: perRequest(z.number().int().min(1).max(31 * 24 * 3600 * 1000)),
  keyGenerator: z.custom<NonNullable<RateLimitMiddlewarePolicy['keyGenerator']>>(isFunction, { message: 'must be a function' }).optional(),
} satisfies { [K in keyof Required<RateLimitMiddlewarePolicy>]: z.ZodType }).strict();

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
  cost: perRequest(z.number().int().min(0).max(1_000_000)).optional(),
  policies: z.array(policySchema).min(1).max(16).optional(),
  skipFailedRequests: z.boolean().optional(),
  skipSuccessfulRequests: z.boolean().optional(),
  requestWasSuccessful: z.custom<NonNullable<RateLimitMiddlewareOptions['requestWasSuccessful']>>(isFunction, { message: 'must be a function (req, res)' }).optional(),
} satisfies { [K in keyof Required<MiddlewareOnlyOptions>]: z.ZodType });

/** The middleware's settings: its own options, and `limit`/`windowMs` when they are functions. */
export type RateLimitMiddlewareSettings = z.output<typeof middlewareSchema> & {
  limit?: (req: Request) => number | Promise<number>;
  windowMs?: (req: Request) => number | Promise<number>;
};

/** The middleware's own settings, and the limiter options left for `createRateLimiter()`. */
export function splitMiddlewareOptions(options: RateLimitMiddlewareOptions): {
  settings: RateLimitMiddlewareSettings;
  limiterOptions: RateLimiterOptions | undefined;
} {
  const own: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  const dynamic: Pick<RateLimitMiddlewareSettings, 'limit' | 'windowMs'> = {};
  for (const [key, value] of Object.entries(options ?? {})) {
    if (value === undefined) continue;
    // a function limit/window is the middleware's (evaluated per request); a number is the limiter's
    if ((key === 'limit' || key === 'windowMs') && typeof value === 'function') dynamic[key] = value as (req: Request) => number;
    else (key in middlewareSchema.shape ? own : rest)[key] = value;
  }
  const settings: RateLimitMiddlewareSettings = { ...parseOptions(middlewareSchema, own, 'rateLimit options'), ...dynamic };
  const issues: { variable: string; message: string }[] = [];
  if (settings.policies !== undefined) {
    for (const key of ['limit', 'windowMs'] as const) {
      if (settings[key] !== undefined) issues.push({ variable: key, message: 'a function of the request belongs in each policy of "policies", not beside them' });
    }
    const names = settings.policies.map((p, i) => p.name ?? String(i));
    for (const [i, name] of names.entries()) if (names.indexOf(name) !== i) issues.push({ variable: `policies.${i}.name`, message: `"${name}" names two policies` });
  }
  if (issues.length > 0) throw new ConfigError(issues, 'rateLimit options');
  if (settings.limiter && Object.keys(rest).length > 0) {
    throw new ConfigError([{ variable: 'limiter', message: `pass either "limiter" or limiter options, not both (got ${Object.keys(rest).join(', ')})` }], 'rateLimit options');
  }
  return { settings, limiterOptions: settings.limiter ? undefined : (rest as RateLimiterOptions) };
}
