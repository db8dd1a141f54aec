/**
 * Scope and claim checks mounted after an auth middleware, with express-oauth2-jwt-bearer's
 * names and semantics: `requiredScopes` / `scopeIncludesAny` answer 403
 * `insufficient_scope` (RFC 6750 §3.1, with the `scope` the route needs), `claimEquals` /
 * `claimIncludes` / `claimCheck` answer 401 `invalid_token`. They read the already verified
 * payload of `req.auth` (or `req.service`): they sit after verification, never inside it.
 */
import type { RequestHandler } from 'express';
import type { JWTPayload } from 'jose';
import { ConfigError } from '../config/settings.js';
import { BEARER_JWT_SCHEME, withOpenApiMetadata } from '../openapi/metadata.js';
import { insufficientScopeError, invalidTokenError, missingCredentialsError } from './auth-errors.js';
import { authOf } from './request-auth.js';
import { serviceOf } from './service.js';

/** A JSON primitive a claim can be compared with. */
export type ClaimValue = string | number | boolean | null;

// RFC 6749 §3.3 scope-token: visible ASCII except `"` and `\` (so it fits a quoted-string).
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

function scopeList(scopes: string | readonly string[], scope: string): string[] {
  const list = typeof scopes === 'string' ? scopes.split(' ').filter((s) => s !== '') : Array.isArray(scopes) ? [...scopes] : undefined;
  if (list === undefined || list.length === 0 || !list.every((s) => typeof s === 'string' && SCOPE_TOKEN.test(s))) {
    throw new ConfigError([{ variable: 'scopes', message: 'must be a space-separated string or an array of scope tokens (visible ASCII, no quote or backslash), at least one' }], `${scope} options`);
  }
  return [...new Set(list)];
}

function isPrimitive(value: unknown): value is ClaimValue {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function checkClaimName(claim: unknown, scope: string): asserts claim is string {
  if (typeof claim !== 'string' || claim === '') throw new ConfigError([{ variable: 'claim', message: 'must be a non-empty string' }], `${scope} options`);
}

/** A claim as a set: a space-separated string is split (OAuth `scope`), an array is taken as is. */
function claimSet(value: unknown): Set<unknown> | undefined {
  if (typeof value === 'string') return new Set(value.split(' ').filter((s) => s !== ''));
  return Array.isArray(value) ? new Set(value) : undefined;
}

/**
 * The scopes a token grants: `scope` (space-separated string, RFC 8693 / Auth0 / Keycloak),
 * `scp` (array or string, Okta / Azure AD) and `permissions` (Auth0 RBAC), united.
 * Undefined when the token carries none of these claims.
 */
export function grantedScopes(payload: JWTPayload): Set<string> | undefined {
  let granted: Set<string> | undefined;
  for (const claim of ['scope', 'scp', 'permissions']) {
    if (!(claim in payload)) continue;
    granted ??= new Set();
    for (const value of claimSet(payload[claim]) ?? []) if (typeof value === 'string') granted.add(value);
  }
  return granted;
}

/** The verified payload of the request (a user's or a service's); 401 (no error code) when no auth middleware ran or it was anonymous. */
function payloadOf(req: Parameters<RequestHandler>[0]): JWTPayload {
  const payload = authOf(req)?.payload ?? serviceOf(req)?.payload;
  if (payload === undefined) throw missingCredentialsError();
  return payload;
}

function scopeMiddleware(name: string, scopes: string[], matchAll: boolean): RequestHandler {
  const handler: RequestHandler = function scopeMiddleware(req, _res, next) {
    try {
      const granted = grantedScopes(payloadOf(req));
      const ok = granted !== undefined && (matchAll ? scopes.every((s) => granted.has(s)) : scopes.some((s) => granted.has(s)));
      if (!ok) throw insufficientScopeError(granted === undefined ? "Missing 'scope' claim" : 'Insufficient Scope', 'ERR_AUTH_INSUFFICIENT_SCOPE', scopes);
      next();
    } catch (err) {
      next(err);
    }
  };
  // Named after the factory, for stack traces and Express's router listings.
  Object.defineProperty(handler, 'name', { value: name });
  // All of the scopes: one requirement listing them. Any of them: one alternative each.
  const security = matchAll ? [{ [BEARER_JWT_SCHEME]: scopes }] : scopes.map((s) => ({ [BEARER_JWT_SCHEME]: [s] }));
  return withOpenApiMetadata(handler, { security, forbidden: `Insufficient scope (${matchAll ? 'requires' : 'requires one of'}: ${scopes.join(' ')})` });
}

/**
 * Requires every one of `scopes` (a space-separated string or an array) in the token's
 * `scope`, `scp` or `permissions` claim. Mount after `requireUser()` (or another auth
 * middleware). Otherwise 403 `Insufficient Scope` (`Missing 'scope' claim` when the token has
 * none) with `WWW-Authenticate: Bearer error="insufficient_scope", …, scope="<scopes>"`. The
 * OpenAPI document lists the scopes in the operation's security requirement and the 403.
 *
 * @example
 * ```ts
 * app.post('/messages', requireUser(), requiredScopes('write:messages'), postMessage)
 * ```
 */
export function requiredScopes(scopes: string | readonly string[]): RequestHandler {
  return scopeMiddleware('requiredScopesMiddleware', scopeList(scopes, 'requiredScopes'), true);
}

/**
 * Like {@link requiredScopes}, but one of `scopes` is enough.
 *
 * @example
 * ```ts
 * app.get('/messages', requireUser(), scopeIncludesAny('read:messages admin'), listMessages)
 * ```
 */
export function scopeIncludesAny(scopes: string | readonly string[]): RequestHandler {
  return scopeMiddleware('scopeIncludesAnyMiddleware', scopeList(scopes, 'scopeIncludesAny'), false);
}

/**
 * Requires `check(payload)` to return true for the verified payload; otherwise 401
 * `invalid_token` with `message` (default `Invalid token: Unexpected claim value`; it is sent
 * to the client, so never put a claim value in it). A throwing check is a 401 too.
 *
 * @example
 * ```ts
 * app.get('/beta', requireUser(), claimCheck((p) => p.beta === true, 'Beta access required'), beta)
 * ```
 */
export function claimCheck(check: (payload: JWTPayload) => boolean, message = 'Invalid token: Unexpected claim value'): RequestHandler {
  if (typeof check !== 'function') throw new ConfigError([{ variable: 'check', message: 'must be a function (payload) => boolean' }], 'claimCheck options');
  const handler: RequestHandler = function claimCheckMiddleware(req, _res, next) {
    try {
      const payload = payloadOf(req);
      let ok: boolean;
      try {
        ok = check(payload) === true;
      } catch (cause) {
        throw invalidTokenError(message, 'ERR_AUTH_CLAIM_INVALID', cause);
      }
      if (!ok) throw invalidTokenError(message, 'ERR_AUTH_CLAIM_INVALID');
      next();
    } catch (err) {
      next(err);
    }
  };
  return withOpenApiMetadata(handler, { unauthorized: true });
}

/**
 * Requires claim `claim` to equal `expected` (a JSON primitive, compared with `===`);
 * otherwise 401 `Unexpected '<claim>' value` (`Missing '<claim>' claim` when absent).
 *
 * @example
 * ```ts
 * app.get('/org', requireUser(), claimEquals('org_id', 'org_123'), org)
 * ```
 */
export function claimEquals(claim: string, expected: ClaimValue): RequestHandler {
  checkClaimName(claim, 'claimEquals');
  if (!isPrimitive(expected)) throw new ConfigError([{ variable: 'expected', message: 'must be a string, number, boolean or null' }], 'claimEquals options');
  return claimPredicate(claim, (value) => value === expected);
}

/**
 * Requires claim `claim` (an array, or a space-separated string) to include every one of
 * `expected`; otherwise 401 `Unexpected '<claim>' value` (`Missing '<claim>' claim` when absent).
 *
 * @example
 * ```ts
 * app.get('/reports', requireUser(), claimIncludes('roles', 'analyst'), reports)
 * ```
 */
export function claimIncludes(claim: string, ...expected: ClaimValue[]): RequestHandler {
  checkClaimName(claim, 'claimIncludes');
  if (expected.length === 0 || !expected.every(isPrimitive)) {
    throw new ConfigError([{ variable: 'expected', message: 'must be one or more strings, numbers, booleans or nulls' }], 'claimIncludes options');
  }
  return claimPredicate(claim, (value) => {
    const actual = claimSet(value);
    return actual !== undefined && expected.every((item) => actual.has(item));
  });
}

function claimPredicate(claim: string, test: (value: unknown) => boolean): RequestHandler {
  const handler: RequestHandler = function claimValueMiddleware(req, _res, next) {
    try {
      const payload = payloadOf(req);
      if (!Object.hasOwn(payload, claim)) throw invalidTokenError(`Missing '${claim}' claim`, 'ERR_AUTH_CLAIM_INVALID');
      if (!test(payload[claim])) throw invalidTokenError(`Unexpected '${claim}' value`, 'ERR_AUTH_CLAIM_INVALID');
      next();
    } catch (err) {
      next(err);
    }
  };
  return withOpenApiMetadata(handler, { unauthorized: true });
}
