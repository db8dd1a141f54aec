/**
 * Express glue: the four JWT middlewares. Each factory resolves its verifier once (an
 * injected one, or one built from settings / the environment at factory time, so a bad
 * configuration fails at startup, not per request). Failures go to `next(err)` as
 * `HttpError`s carrying RFC 6750 challenges.
 */
import { createHash } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { JWTPayload } from 'jose';
import { ConfigError } from '../config/settings.js';
import { resolveEnv } from '../config/env.js';
import { getLogger } from '../logging/logger.js';
import { BEARER_JWT_SCHEME, withOpenApiMetadata } from '../openapi/metadata.js';
import { insufficientScopeError, invalidTokenError, missingCredentialsError } from './auth-errors.js';
import { isProduction } from './startup-check.js';
import { AUTH_SETTING_KEYS, isAuthSettings, loadAuthSettings, type AuthSettingsOverrides } from './settings.js';
import { isAdmin, userFromPayload, type User as KitUser } from './user.js';
import { createJwtVerifier, type JwtVerifier, type JwtVerifierOptions } from './verifier.js';

/** What a successful authentication leaves on `req.auth`. `token` is not enumerable (never serialised). */
export interface AuthContext {
  /** The raw bearer token (hidden from `JSON.stringify` and `console.log`). */
  readonly token: string;
  /** The verified, frozen JWT payload. */
  readonly payload: JWTPayload;
  /** Set by `requireUserId()` when an admin acts as another user (`X-Act-As-User-Id`). */
  readonly actAsUserId?: string;
}

/**
 * The kit's user under a module-level name: the bundled `.d.ts` renames the `KitUser` import
 * back to `User`, which inside `namespace Express` would read `interface User extends User`.
 */
type KitUserShape = KitUser;

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    // Merged (not replaced) so apps that also use passport-style `Express.User` stay compatible.
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface User extends KitUserShape {}
    interface Request {
      /** The authenticated caller, set by the auth middlewares (the real caller, even when impersonating). */
      user?: User;
      /** Token and verified payload, set by the auth middlewares. */
      auth?: AuthContext;
      /** Effective user id set by `requireUserId()`: the impersonated user for an admin sending `X-Act-As-User-Id`. */
      userId?: string;
    }
  }
}

/** Options of every auth middleware: inject a verifier, or give settings / verifier options. */
export interface AuthMiddlewareOptions extends JwtVerifierOptions {
  /** One verifier shared by the app (and its tests). Excludes the other options. */
  verifier?: JwtVerifier;
}

/**
 * Header through which an admin acts as another user (the reference's name).
 *
 * @example
 * ```ts
 * await fetch(url, { headers: { Authorization: `Bearer ${adminToken}`, [IMPERSONATION_HEADER]: userId } })
 * ```
 */
export const IMPERSONATION_HEADER = 'X-Act-As-User-Id';

const logger = getLogger('auth');
const sharedVerifiers = new Map<string, JwtVerifier>();

function hasVerifierOptions(options: AuthMiddlewareOptions): boolean {
  return Object.entries(options).some(([key, value]) => key !== 'verifier' && value !== undefined);
}

/**
 * The verifier of one factory call. Middlewares built from the same configuration share one
 * verifier (one imported key, one JWKS cache) instead of one per route.
 */
function resolveVerifier(options: AuthMiddlewareOptions = {}, scope: string): JwtVerifier {
  if (options.verifier !== undefined) {
    if (typeof options.verifier?.verify !== 'function') {
      throw new ConfigError([{ variable: 'verifier', message: 'must be an object with a verify(token) method (see createJwtVerifier)' }], `${scope} options`);
    }
    if (hasVerifierOptions(options)) {
      throw new ConfigError([{ variable: 'verifier', message: 'cannot be combined with settings or verifier options; configure the injected verifier instead' }], `${scope} options`);
    }
    return options.verifier;
  }
  const { settings, env, ...rest } = options;
  const overrides: AuthSettingsOverrides = {};
  const tuning: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rest)) {
    if (AUTH_SETTING_KEYS.includes(key as keyof AuthSettingsOverrides)) (overrides as Record<string, unknown>)[key] = value;
    else tuning[key] = value;
  }
  const resolved = isAuthSettings(settings) ? settings : loadAuthSettings(env, { ...(settings ?? {}), ...overrides });
  const fingerprint = createHash('sha256')
    .update(JSON.stringify({ ...resolved, verifyKey: resolved.verifyKey, tuning, production: isProduction(resolveEnv(env)) }))
    .digest('base64');
  let verifier = sharedVerifiers.get(fingerprint);
  if (!verifier) {
    verifier = createJwtVerifier({ ...(tuning as JwtVerifierOptions), env, settings: resolved });
    sharedVerifiers.set(fingerprint, verifier);
  }
  return verifier;
}

/**
 * The token of `Authorization: Bearer <token>`, scheme case-insensitive (RFC 7235 §2.1);
 * undefined when absent, empty or another scheme.
 *
 * @example
 * ```ts
 * const token = bearerTokenOf(req) // e.g. to key a rate limit by credential
 * ```
 */
export function bearerTokenOf(req: Pick<Request, 'headers'>): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const value = header.trim();
  const space = value.search(/\s/);
  if (space <= 0 || value.slice(0, space).toLowerCase() !== 'bearer') return undefined;
  const token = value.slice(space).trim();
  return token === '' ? undefined : token;
}

async function authenticate(req: Request, verifier: JwtVerifier): Promise<{ token: string; payload: JWTPayload; user: KitUser }> {
  const token = bearerTokenOf(req);
  if (token === undefined) throw missingCredentialsError();
  let payload: JWTPayload;
  try {
    payload = await verifier.verify(token);
  } catch (err) {
    // Kit errors carry their status; anything else from an injected verifier is still a
    // rejected token, not a server crash.
    if (typeof (err as { status?: unknown })?.status === 'number') throw err;
    throw invalidTokenError('Invalid token: Token could not be verified', 'ERR_AUTH_TOKEN_INVALID', err);
  }
  if (typeof payload !== 'object' || payload === null) throw invalidTokenError('Invalid user data in token', 'ERR_AUTH_USER_INVALID');
  return { token, payload, user: userFromPayload(payload) };
}

/** `req.auth`: the token lives in a private field behind a getter, so it is never serialised. */
class RequestAuth implements AuthContext {
  readonly #token: string;
  readonly payload: JWTPayload;
  readonly actAsUserId?: string;

  constructor(token: string, payload: JWTPayload, actAsUserId?: string) {
    this.#token = token;
    this.payload = payload;
    if (actAsUserId !== undefined) this.actAsUserId = actAsUserId;
  }

  get token(): string {
    return this.#token;
  }
}

function authContext(token: string, payload: JWTPayload, actAsUserId?: string): AuthContext {
  return new RequestAuth(token, payload, actAsUserId);
}

type AuthHandler = (req: Request, res: Response, next: NextFunction) => Promise<void>;

/**
 * Requires a valid Bearer JWT whose payload makes a {@link KitUser}: sets `req.user` and
 * `req.auth`. 401 `Authorization header is missing`, `Token has expired`,
 * `Invalid token: <reason>`, `User ID not found in token`, `Invalid user data in token`.
 *
 * @example
 * ```ts
 * app.get('/me', requireUser(), (req, res) => res.json(req.user))
 * ```
 */
export function requireUser(options?: AuthMiddlewareOptions): RequestHandler {
  const verifier = resolveVerifier(options, 'requireUser');
  const handler: AuthHandler = async function requireUserMiddleware(req, _res, next) {
    try {
      const { token, payload, user } = await authenticate(req, verifier);
      req.user = user;
      req.auth = authContext(token, payload);
    } catch (err) {
      next(err);
      return;
    }
    next();
  };
  return withOpenApiMetadata(handler as RequestHandler, { security: [{ [BEARER_JWT_SCHEME]: [] }], unauthorized: true });
}

/**
 * Like {@link requireUser}, and the role must be `admin` (case-insensitive): otherwise 403
 * `Admin access required` with `WWW-Authenticate: Bearer error="insufficient_scope"`.
 *
 * @example
 * ```ts
 * app.delete('/users/:id', requireAdminUser(), deleteUser)
 * ```
 */
export function requireAdminUser(options?: AuthMiddlewareOptions): RequestHandler {
  const verifier = resolveVerifier(options, 'requireAdminUser');
  const handler: AuthHandler = async function requireAdminUserMiddleware(req, _res, next) {
    try {
      const { token, payload, user } = await authenticate(req, verifier);
      if (!isAdmin(user)) throw insufficientScopeError('Admin access required', 'ERR_AUTH_ADMIN_REQUIRED');
      req.user = user;
      req.auth = authContext(token, payload);
    } catch (err) {
      next(err);
      return;
    }
    next();
  };
  return withOpenApiMetadata(handler as RequestHandler, {
    security: [{ [BEARER_JWT_SCHEME]: [] }],
    unauthorized: true,
    forbidden: 'Admin access required',
  });
}

/**
 * Like {@link requireUser}, and sets `req.userId`, the effective user id. An admin may act as
 * another user with the `X-Act-As-User-Id` header (trimmed; empty is ignored): `req.userId`
 * becomes that id, `req.user` stays the admin, `req.auth.actAsUserId` records it, and an
 * audit line is logged (logger `auth`, never the token). From a non-admin: 403
 * `Only admin users can impersonate other users`.
 *
 * @example
 * ```ts
 * app.get('/graphs', requireUserId(), (req, res) => res.json(listGraphs(req.userId!)))
 * ```
 */
export function requireUserId(options?: AuthMiddlewareOptions): RequestHandler {
  const verifier = resolveVerifier(options, 'requireUserId');
  const headerName = IMPERSONATION_HEADER.toLowerCase();
  const handler: AuthHandler = async function requireUserIdMiddleware(req, _res, next) {
    try {
      const { token, payload, user } = await authenticate(req, verifier);
      const raw = req.headers[headerName];
      const actAs = (Array.isArray(raw) ? raw.join(',') : (raw ?? '')).trim();
      if (actAs !== '') {
        if (!isAdmin(user)) throw insufficientScopeError('Only admin users can impersonate other users', 'ERR_AUTH_IMPERSONATION_FORBIDDEN');
        logger.info('Admin impersonation', {
          event: 'auth.impersonation',
          adminId: user.id,
          ...(user.email ? { adminEmail: user.email } : {}),
          actAsUserId: actAs,
          method: req.method,
          path: (req.originalUrl ?? req.url).split('?')[0],
        });
      }
      req.user = user;
      req.userId = actAs !== '' ? actAs : user.id;
      req.auth = authContext(token, payload, actAs !== '' ? actAs : undefined);
    } catch (err) {
      next(err);
      return;
    }
    next();
  };
  return withOpenApiMetadata(handler as RequestHandler, {
    security: [{ [BEARER_JWT_SCHEME]: [] }],
    unauthorized: true,
    forbidden: 'Only admin users can impersonate other users',
  });
}

/**
 * Authenticates when a valid Bearer JWT is present and never fails: anonymous requests (no,
 * or an invalid, token) continue without `req.user`.
 *
 * @example
 * ```ts
 * app.get('/store', optionalUser(), (req, res) => res.json(listAgents({ viewer: req.user?.id })))
 * ```
 */
export function optionalUser(options?: AuthMiddlewareOptions): RequestHandler {
  const verifier = resolveVerifier(options, 'optionalUser');
  const handler: AuthHandler = async function optionalUserMiddleware(req, _res, next) {
    if (bearerTokenOf(req) !== undefined) {
      try {
        const { token, payload, user } = await authenticate(req, verifier);
        req.user = user;
        req.auth = authContext(token, payload);
      } catch (err) {
        logger.debug('Optional authentication failed; continuing anonymously', { code: (err as { code?: unknown })?.code });
      }
    }
    next();
  };
  return withOpenApiMetadata(handler as RequestHandler, { security: [{ [BEARER_JWT_SCHEME]: [] }, {}] });
}
