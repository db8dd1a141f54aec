/**
 * The HTTP errors of the auth module, with RFC 6750 §3 `WWW-Authenticate` challenges:
 * no error code when credentials are missing (§3.1), `invalid_token` when they are bad,
 * `insufficient_scope` when the caller is authenticated but not allowed.
 */
import type { KitErrorCode } from '../errors/codes.js';
import { HttpError } from '../errors/http-error.js';
import { bearerChallenge } from '../http/challenges.js';
import { countJwtFailure } from './auth-metrics.js';

/** 401 for a request without (Bearer) credentials: the challenge carries no error code. */
export function missingCredentialsError(): HttpError {
  return new HttpError(401, 'Authorization header is missing', {
    code: 'ERR_AUTH_MISSING',
    headers: { 'WWW-Authenticate': bearerChallenge() },
  });
}

/** 401 for credentials that are present but unacceptable (counted in `jwt_verification_failures_total`). */
export function invalidTokenError(message: string, code: KitErrorCode = 'ERR_AUTH_TOKEN_INVALID', cause?: unknown): HttpError {
  countJwtFailure(code);
  return new HttpError(401, message, {
    code,
    cause,
    headers: { 'WWW-Authenticate': bearerChallenge('invalid_token', message) },
  });
}

/**
 * 403 for an authenticated caller lacking a privilege. With `scopes` (RFC 6750 §3: the scopes
 * needed, scope-tokens validated by the caller), the challenge carries `scope="…"`.
 */
export function insufficientScopeError(message: string, code: KitErrorCode, scopes?: readonly string[]): HttpError {
  const challenge = bearerChallenge('insufficient_scope', message);
  return new HttpError(403, message, {
    code,
    headers: { 'WWW-Authenticate': scopes && scopes.length > 0 ? `${challenge}, scope="${scopes.join(' ')}"` : challenge },
  });
}

/**
 * 503 when the JWKS endpoint cannot be reached: not the client's fault, so not a 401 (a
 * client would drop a perfectly good token), and never a 500 with internals. The detail is
 * a fixed sentence; the underlying fetch error is kept as `cause` for logs only.
 */
export function jwksUnavailableError(retryAfterSeconds: number, cause?: unknown): HttpError {
  countJwtFailure('ERR_AUTH_JWKS_UNAVAILABLE');
  return new HttpError(503, 'Authentication service unavailable', {
    code: 'ERR_AUTH_JWKS_UNAVAILABLE',
    expose: true,
    cause,
    reported: true, // the JWKS cache logs the outage once when it starts and once when it ends
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
  });
}
