/**
 * What the auth middlewares leave on the request, and how an app reads it with types.
 *
 * The kit does not augment `Express.User` nor declare `Request.auth` globally: other
 * libraries own those names (passport's `Express.User` is the app's own type, e.g. with a
 * numeric `id`; express-oauth2-jwt-bearer declares `Request.auth` with its own type), and two
 * global declarations of one name with different types break every app that installs both
 * (TS2430, TS2717). Like express-jwt 7, the kit exports a typed request instead
 * ({@link AuthenticatedRequest}) and accessors that need no global type ({@link authOf},
 * {@link userOf}). The only global declarations are `Request.user` exactly as passport declares
 * it (`user?: User | undefined`, where `Express.User` stays the app's) and the kit's own
 * `Request.userId`.
 */
import type { Request } from 'express';
import { decodeProtectedHeader, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import type { User as KitUser } from './user.js';

declare global {
  namespace Express {
    // Empty, like @types/passport: the app says what its user is (see docs/auth.md).
    interface User {}
    interface Request {
      /** Set by the auth middlewares (the real caller, even when impersonating). Declared as passport does. */
      user?: User | undefined;
      /** Effective user id set by `requireUserId()`: the impersonated user for an admin sending `X-Act-As-User-Id`. */
      userId?: string;
    }
  }
}

/** What a successful authentication leaves on `req.auth`. `token` is not enumerable (never serialised). */
export interface AuthContext {
  /** The raw bearer token (hidden from `JSON.stringify` and `console.log`). */
  readonly token: string;
  /** The verified JWT payload. */
  readonly payload: JWTPayload;
  /**
   * The token's protected header (`alg`, `kid`, `typ`, …), as express-oauth2-jwt-bearer's
   * `req.auth.header`. Empty only when an injected verifier accepted a non-JWS token.
   */
  readonly header: ProtectedHeaderParameters;
  /** The kit's user built from the payload (also `req.user`). */
  readonly user: KitUser;
  /** Set by `requireUserId()` when an admin acts as another user (`X-Act-As-User-Id`). */
  readonly actAsUserId?: string;
}

/**
 * A request after an auth middleware, typed without global declarations (the express-jwt 7
 * pattern). Use it as the handler's parameter type; where another library already types
 * `req.auth` or `req.user` differently, use {@link authOf} / {@link userOf} instead.
 *
 * @example
 * ```ts
 * app.get('/me', requireUser(), (req: AuthenticatedRequest, res) => res.json({ sub: req.auth?.payload.sub }))
 * ```
 */
export type AuthenticatedRequest = Request & { auth?: AuthContext };

const REQUEST_AUTH_BRAND = Symbol.for('express-platform-kit.RequestAuth');

const NO_HEADER: ProtectedHeaderParameters = Object.freeze({});

/**
 * The protected header of an already verified token, decoded from the token itself: the same
 * bytes the signature covered, whichever path (node:crypto, jose, the verified-token cache)
 * verified it.
 */
function headerOf(token: string): ProtectedHeaderParameters {
  try {
    return decodeProtectedHeader(token);
  } catch {
    // Only an injected verifier can accept a token that is not a compact JWS.
    return NO_HEADER;
  }
}

/** `req.auth`: the token lives in a private field behind a getter, so it is never serialised. */
export class RequestAuth implements AuthContext {
  readonly #token: string;
  readonly payload: JWTPayload;
  // Decoded on first read: most requests never look at it.
  #header: ProtectedHeaderParameters | undefined;
  // A private field behind a getter (not an own property): `JSON.stringify(req.auth)` and
  // `console.log(req.auth)` never show it, and no defineProperty runs per request.
  readonly #user: KitUser;
  readonly actAsUserId?: string;

  constructor(token: string, payload: JWTPayload, user: KitUser, actAsUserId?: string) {
    this.#token = token;
    this.payload = payload;
    this.#user = user;
    if (actAsUserId !== undefined) this.actAsUserId = actAsUserId;
  }

  get token(): string {
    return this.#token;
  }

  get user(): KitUser {
    return this.#user;
  }

  get header(): ProtectedHeaderParameters {
    this.#header ??= headerOf(this.#token);
    return this.#header;
  }

  /** `JSON.stringify(req.auth)`: the header and payload (never the token or the user object). */
  toJSON(): Record<string, unknown> {
    return { payload: this.payload, header: this.header, ...(this.actAsUserId !== undefined ? { actAsUserId: this.actAsUserId } : {}) };
  }
}

// The brand lives on the prototype (read by authOf() through the chain): one property for
// every instance instead of a defineProperty per request.
Object.defineProperty(RequestAuth.prototype, REQUEST_AUTH_BRAND, { value: true });

/**
 * The kit's authentication of `req` (set by `requireUser()` and the other auth
 * middlewares), or undefined. Typed whatever other libraries declare on `Express.Request`.
 *
 * @example
 * ```ts
 * const sub = authOf(req)?.payload.sub
 * ```
 */
export function authOf(req: Request): AuthContext | undefined {
  const auth: unknown = (req as { auth?: unknown }).auth;
  return typeof auth === 'object' && auth !== null && (auth as Record<symbol, unknown>)[REQUEST_AUTH_BRAND] === true ? (auth as AuthContext) : undefined;
}

/**
 * The kit's {@link KitUser | User} of `req`, or undefined when no auth middleware
 * authenticated it. Typed as the kit's user even when the app's `Express.User` is another type.
 *
 * @example
 * ```ts
 * app.get('/me', requireUser(), (req, res) => res.json({ id: userOf(req)!.id }))
 * ```
 */
export function userOf(req: Request): KitUser | undefined {
  return authOf(req)?.user;
}
