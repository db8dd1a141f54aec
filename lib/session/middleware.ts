/**
 * `requireSession()`: the Express glue. Reads the session id from a cookie (or a header),
 * validates it with a `SessionManager`, and puts the session on `req.platformSession`.
 */
import type { Request, RequestHandler } from 'express';
import { z } from 'zod';
import { parseOptions, type KnownOptions } from '../config/settings.js';
import { HttpError } from '../errors/http-error.js';
import { isKitError } from '../errors/kit-error.js';
import { asyncMiddleware } from '../http/async-middleware.js';
import { settleShape } from '../http/object-shape.js';
import { requestIp, trustProxyCheck } from '../http/trust-proxy.js';
import { getLogger } from '../logging/logger.js';
import { SESSION_COOKIE_SCHEME, withOpenApiMetadata } from '../openapi/metadata.js';
import { eraseSessionCookie, readSessionId, resolveSessionCookie, writeSessionCookie, type SessionCookieOptions } from './cookies.js';
import { SessionManager } from './session-manager.js';
import type { PlatformSession, SessionInvalidReason, SessionSecurityIssue } from './types.js';

/** `req.platformSession`: the validated session and what changed since it was created. */
export interface RequestPlatformSession extends PlatformSession {
  securityIssues: SessionSecurityIssue[];
}

declare global {
  namespace Express {
    interface Request {
      /**
       * Set by `requireSession()`. Not `req.session`: that name belongs to express-session,
       * and both can run in one app.
       */
      platformSession?: RequestPlatformSession;
    }
  }
}

/** Decision of an `onSecurityIssue` hook. */
export type SessionSecurityDecision = 'allow' | 'deny';

export interface RequireSessionOptions {
  /** The manager that validates ids. Required. */
  manager: SessionManager;
  /** Cookie carrying the id. Default `session`. */
  cookieName?: string;
  /** Header also accepted when there is no cookie (e.g. `X-Session-Id` for non-browser clients). */
  header?: string;
  /**
   * Called when the IP or User-Agent changed since creation; return `'deny'` to answer 401.
   * Default: allow (the event is logged as a warning either way).
   */
  onSecurityIssue?: (req: Request, issues: SessionSecurityIssue[], session: PlatformSession) => SessionSecurityDecision | Promise<SessionSecurityDecision>;
  /**
   * Attributes of the cookie (must match those it was set with, or clearing misses it). With
   * `maxAgeSeconds`, the cookie is re-sent on every valid request so its lifetime slides with
   * the server-side expiry.
   */
  cookie?: Omit<SessionCookieOptions, 'cookieName'>;
  /** Clear the cookie when it names no valid session. Default true. */
  clearInvalidCookie?: boolean;
}

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const optionsSchema = z.object({
  manager: z.instanceof(SessionManager, { message: 'must be a SessionManager' }),
  cookieName: z.string().min(1, { message: 'must be a non-empty cookie name' }).default('session'),
  header: z.string().regex(HEADER_NAME, { message: 'must be a valid header name' }).optional(),
  onSecurityIssue: z.function().optional(),
  cookie: z.object({}).loose().optional(),
  clearInvalidCookie: z.boolean().default(true),
});
const KNOWN: KnownOptions<RequireSessionOptions> = { manager: true, cookieName: true, header: true, onSecurityIssue: true, cookie: true, clearInvalidCookie: true };

const DETAILS: Record<SessionInvalidReason | 'missing' | 'denied', string> = {
  missing: 'Not authenticated: no session',
  session_not_found: 'Session not found',
  session_expired: 'Session expired',
  validation_error: 'Session is invalid',
  denied: 'Session rejected by security policy',
};

function unauthorized(reason: keyof typeof DETAILS): HttpError {
  // No WWW-Authenticate: no registered HTTP auth scheme describes cookies, and a made-up
  // challenge only confuses clients. 401 still tells them to sign in again.
  return new HttpError(401, DETAILS[reason], { code: 'ERR_SESSION_INVALID' });
}

/**
 * Requires a valid session. On success `req.platformSession` holds it; otherwise 401
 * `ERR_SESSION_INVALID`; 503 `ERR_STORE_UNAVAILABLE` with `Retry-After: 1` when the store is
 * down or does not answer within the manager's `storeTimeoutMs`.
 *
 * @example
 * ```ts
 * app.get('/me', requireSession({ manager: sessions }), (req, res) => res.json({ user: req.platformSession?.userId }))
 * ```
 */
export function requireSession(options: RequireSessionOptions): RequestHandler {
  const parsed = parseOptions(optionsSchema, options, 'requireSession options', KNOWN);
  const cookie = resolveSessionCookie({ ...(options.cookie ?? {}), cookieName: parsed.cookieName });
  const { manager, header, clearInvalidCookie } = parsed;
  const onSecurityIssue = options.onSecurityIssue;
  const logger = getLogger('session');
  const checkTrustProxy = trustProxyCheck('session', 'session IP checks compare proxy addresses');

  // Store outages (validation, or an onSecurityIssue hook that destroys sessions) are not the
  // client's fault: 503 with a short Retry-After, never a 401 (that would sign every user out)
  // and never a held request (the manager's store deadline).
  const guarded = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (isKitError(error) && error.code === 'ERR_STORE_UNAVAILABLE') {
        throw new HttpError(503, 'Session store unavailable', { code: 'ERR_STORE_UNAVAILABLE', headers: { 'Retry-After': '1' }, cause: error });
      }
      throw error;
    }
  };

  const middleware = asyncMiddleware('requireSession', async (req, res, next) => {
    checkTrustProxy(req);
    const fromCookie = readSessionId(req, { cookieName: cookie.cookieName });
    const id = fromCookie ?? readSessionId(req, { cookieName: cookie.cookieName, header });
    if (!id) return next(unauthorized('missing'));
    const result = await guarded(() => manager.validate(id, { ip: requestIp(req), userAgent: req.get('user-agent') }));
    if (!result.valid) {
      if (fromCookie && clearInvalidCookie && !res.headersSent) eraseSessionCookie(res, cookie);
      return next(unauthorized(result.reason));
    }
    const { session, securityIssues } = result;
    if (securityIssues.length > 0) {
      const decision = onSecurityIssue ? await guarded(async () => onSecurityIssue(req, securityIssues, session)) : 'allow';
      logger.warn('session security issue', { userId: session.userId, issues: securityIssues, decision, method: req.method, path: req.path });
      if (decision === 'deny') return next(unauthorized('denied'));
    }
    settleShape(req); // lib/http/object-shape.ts
    req.platformSession = { ...session, securityIssues };
    if (fromCookie && cookie.maxAgeSeconds && !res.headersSent) writeSessionCookie(res, fromCookie, cookie);
    next();
  });
  return withOpenApiMetadata(middleware, {
    security: [{ [SESSION_COOKIE_SCHEME]: [] }],
    unauthorized: true,
    ...(manager.backend === 'redis' ? { serviceUnavailable: 'Session store unavailable' } : {}),
  });
}
