/**
 * Express glue: the four JWT middlewares, each one `asyncMiddleware` body over one
 * `authenticate()`. Each factory resolves its verifier once (see resolve-verifier.ts).
 * Failures go to `next(err)` as `HttpError`s carrying RFC 6750 challenges. With a static key
 * and nothing asynchronous configured, a token that verifies takes the synchronous path
 * (`withSynchronousPath`): verified and passed on in the same turn, no promise.
 */
import type { Request, RequestHandler } from 'express';
import { ConfigError } from '../config/settings.js';
import { asyncMiddleware } from '../http/async-middleware.js';
import { bearerToken } from '../http/credentials.js';
import { settleShape } from '../http/object-shape.js';
import { getLogger } from '../logging/logger.js';
import { BEARER_JWT_SCHEME, withOpenApiMetadata } from '../openapi/metadata.js';
import { insufficientScopeError, invalidTokenError, missingCredentialsError } from './auth-errors.js';
import { RequestAuth } from './request-auth.js';
import { isClientCredentialsToken, refuseRevoked } from './after-verification.js';
import { resolveVerifier, type AuthMiddlewareOptions } from './resolve-verifier.js';
import { tokenReader, type TokenReader } from './token-source.js';
import { isAdmin, userFromPayload } from './user.js';
import { synchronousVerification, type JwtVerifier } from './verifier.js';

export type { AuthMiddlewareOptions } from './resolve-verifier.js';

/**
 * Header through which an admin acts as another user.
 *
 * @example
 * ```ts
 * await fetch(url, { headers: { Authorization: `Bearer ${adminToken}`, [IMPERSONATION_HEADER]: userId } })
 * ```
 */
export const IMPERSONATION_HEADER = 'X-Act-As-User-Id';

const logger = getLogger('auth');
const BEARER_SECURITY = [{ [BEARER_JWT_SCHEME]: [] }];

/**
 * The token of `Authorization: Bearer <token>`, scheme case-insensitive (RFC 7235 §2.1);
 * undefined when absent, empty or another scheme. The kit's one credential reader.
 *
 * @example
 * ```ts
 * const token = bearerTokenOf(req) // e.g. to key a rate limit by credential
 * ```
 */
export function bearerTokenOf(req: Pick<Request, 'headers'>): string | undefined {
  return bearerToken(req.headers);
}

/** What one factory call resolves once: its verifier and where it reads the token. */
interface AuthSetup {
  verifier: JwtVerifier;
  readToken: TokenReader;
  isRevoked: AuthMiddlewareOptions['isRevoked'];
}

/** The `isRevoked` option, checked at factory time. */
export function revocationHook(options: AuthMiddlewareOptions | undefined, scope: string): AuthSetup['isRevoked'] {
  const isRevoked = options?.isRevoked;
  if (isRevoked !== undefined && typeof isRevoked !== 'function') {
    throw new ConfigError([{ variable: 'isRevoked', message: 'must be a function (payload, req) => boolean | Promise<boolean>' }], `${scope} options`);
  }
  return isRevoked;
}

function setup(options: AuthMiddlewareOptions | undefined, scope: string): AuthSetup {
  const isRevoked = revocationHook(options, scope);
  return { verifier: resolveVerifier(options, scope), readToken: tokenReader(options?.tokenFrom, options?.getToken, scope), isRevoked };
}

/** The request's token, awaited only when the app's reader is asynchronous. */
async function tokenOf(req: Request, readToken: TokenReader): Promise<string | undefined> {
  const read = readToken(req);
  return read instanceof Promise ? await read : read;
}

/** Verifies the request's token and builds its user; throws the 401s (400 for two tokens). */
async function authenticate(req: Request, configured: AuthSetup, actAsUserId?: string): Promise<RequestAuth> {
  const token = await tokenOf(req, configured.readToken);
  if (token === undefined) throw missingCredentialsError();
  return verifyToken(req, token, configured, actAsUserId);
}

/** Verification, then revocation: the hook sees only verified payloads, cached or not. */
async function verifyToken(req: Request, token: string, { verifier, isRevoked }: AuthSetup, actAsUserId?: string): Promise<RequestAuth> {
  const auth = await verifiedAuth(token, verifier, actAsUserId);
  // A machine token is not a user, whatever its sub says (use requireService() for it).
  if (isClientCredentialsToken(auth.payload)) throw invalidTokenError('Invalid token: Service tokens are not accepted here', 'ERR_AUTH_SERVICE_TOKEN');
  await refuseRevoked(isRevoked, auth.payload, req);
  return auth;
}

async function verifiedAuth(token: string, verifier: JwtVerifier, actAsUserId?: string): Promise<RequestAuth> {
  let payload: Awaited<ReturnType<JwtVerifier['verify']>>;
  try {
    payload = await verifier.verify(token);
  } catch (err) {
    // Kit errors carry their status; anything else from an injected verifier is still a
    // rejected token, not a server crash.
    if (typeof (err as { status?: unknown })?.status === 'number') throw err;
    throw invalidTokenError('Invalid token: Token could not be verified', 'ERR_AUTH_TOKEN_INVALID', err);
  }
  if (typeof payload !== 'object' || payload === null) throw invalidTokenError('Invalid user data in token', 'ERR_AUTH_USER_INVALID');
  return new RequestAuth(token, payload, userFromPayload(payload), actAsUserId);
}

/** The synchronous authentication of a request: its auth, or undefined when the async path must judge it. */
type AuthenticateNow = (req: Request) => RequestAuth | undefined;

/**
 * The synchronous path of one factory call, when nothing it needs is asynchronous: the
 * default token reader (header and/or cookie, not `getToken`), no `isRevoked` hook, and a
 * verifier that can accept synchronously (a static key, no JWKS; see
 * `synchronousVerification`). It only **accepts**: anything else (no token, two tokens, a
 * rejected token, a service token, a payload that makes no user) returns undefined, and the
 * async path, unchanged, gives the verdict and the error, so both paths agree by construction.
 */
function synchronousAuthentication(options: AuthMiddlewareOptions | undefined, configured: AuthSetup): AuthenticateNow | undefined {
  const verifyNow = synchronousVerification(configured.verifier);
  if (verifyNow === undefined || configured.isRevoked !== undefined || options?.getToken !== undefined) return undefined;
  const { readToken } = configured;
  return function authenticateNow(req) {
    let token: unknown;
    try {
      token = readToken(req);
    } catch {
      return undefined;
    }
    if (typeof token !== 'string') return undefined;
    const payload = verifyNow(token);
    if (payload === undefined || isClientCredentialsToken(payload)) return undefined;
    let user: ReturnType<typeof userFromPayload>;
    try {
      user = userFromPayload(payload);
    } catch {
      return undefined;
    }
    return new RequestAuth(token, payload, user);
  };
}

/**
 * `handler` with the synchronous path in front (see {@link synchronousAuthentication}): a
 * request it accepts, and `accept` lets through, is attached and passed on in this turn; every
 * other request goes to `handler`, the async path. `next()` is called outside any try: what
 * the chain after us throws goes back to Express, as from `asyncMiddleware`.
 */
function withSynchronousPath(name: string, handler: RequestHandler, authenticateNow: AuthenticateNow | undefined, accept?: (auth: RequestAuth) => boolean): RequestHandler {
  if (authenticateNow === undefined) return handler;
  const fast: RequestHandler = (req, res, next) => {
    const auth = authenticateNow(req);
    if (auth === undefined || (accept !== undefined && !accept(auth))) {
      handler(req, res, next);
      return;
    }
    attach(req, auth);
    next();
  };
  Object.defineProperty(fast, 'name', { value: name });
  return fast;
}

function attach(req: Request, auth: RequestAuth): void {
  settleShape(req); // lib/http/object-shape.ts
  req.user = auth.user;
  (req as { auth?: RequestAuth }).auth = auth;
}

/**
 * Requires a valid Bearer JWT whose payload makes a {@link User}: sets `req.user` and
 * `req.auth` (read them typed with `userOf(req)` / `authOf(req)`). 401
 * `Authorization header is missing`, `Token has expired`, `Invalid token: <reason>`,
 * `User ID not found in token`, `Invalid user data in token`.
 *
 * @example
 * ```ts
 * app.get('/me', requireUser(), (req, res) => res.json(userOf(req)))
 * ```
 */
export function requireUser(options?: AuthMiddlewareOptions): RequestHandler {
  const configured = setup(options, 'requireUser');
  const handler = asyncMiddleware('requireUserMiddleware', async (req, _res, next) => {
    attach(req, await authenticate(req, configured));
    next();
  });
  const withSync = withSynchronousPath('requireUserMiddleware', handler, synchronousAuthentication(options, configured));
  return withOpenApiMetadata(withSync, { security: BEARER_SECURITY, unauthorized: true });
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
  const configured = setup(options, 'requireAdminUser');
  const handler = asyncMiddleware('requireAdminUserMiddleware', async (req, _res, next) => {
    const auth = await authenticate(req, configured);
    if (!isAdmin(auth.user)) throw insufficientScopeError('Admin access required', 'ERR_AUTH_ADMIN_REQUIRED');
    attach(req, auth);
    next();
  });
  const withSync = withSynchronousPath('requireAdminUserMiddleware', handler, synchronousAuthentication(options, configured), (auth) => isAdmin(auth.user));
  return withOpenApiMetadata(withSync, { security: BEARER_SECURITY, unauthorized: true, forbidden: 'Admin access required' });
}

/** The trimmed `X-Act-As-User-Id` value; empty when absent. */
function actAsHeader(req: Request): string {
  const raw = req.headers[IMPERSONATION_HEADER.toLowerCase()];
  return (Array.isArray(raw) ? raw.join(',') : (raw ?? '')).trim();
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
  const configured = setup(options, 'requireUserId');
  const handler = asyncMiddleware('requireUserIdMiddleware', async (req, _res, next) => {
    const actAs = actAsHeader(req);
    const auth = await authenticate(req, configured, actAs !== '' ? actAs : undefined);
    const { user } = auth;
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
    attach(req, auth);
    req.userId = actAs !== '' ? actAs : user.id;
    next();
  });
  return withOpenApiMetadata(handler, { security: BEARER_SECURITY, unauthorized: true, forbidden: 'Only admin users can impersonate other users' });
}

/**
 * Authenticates when a valid Bearer JWT is present and never fails: anonymous requests (no,
 * or an invalid, token) continue without `req.user`.
 *
 * @example
 * ```ts
 * app.get('/store', optionalUser(), (req, res) => res.json(listAgents({ viewer: userOf(req)?.id })))
 * ```
 */
export function optionalUser(options?: AuthMiddlewareOptions): RequestHandler {
  const configured = setup(options, 'optionalUser');
  const handler = asyncMiddleware('optionalUserMiddleware', async (req, _res, next) => {
    let token: string | undefined;
    try {
      token = await tokenOf(req, configured.readToken);
    } catch (err) {
      // Two tokens, or the app's reader failed: anonymous too (this middleware never fails).
      logger.debug('Optional authentication could not read a token; continuing anonymously', { code: (err as { code?: unknown })?.code });
    }
    if (token !== undefined) {
      try {
        attach(req, await verifyToken(req, token, configured));
      } catch (err) {
        logger.debug('Optional authentication failed; continuing anonymously', { code: (err as { code?: unknown })?.code });
      }
    }
    next();
  });
  const withSync = withSynchronousPath('optionalUserMiddleware', handler, synchronousAuthentication(options, configured));
  return withOpenApiMetadata(withSync, { security: [...BEARER_SECURITY, {}] });
}
