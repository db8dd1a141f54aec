/**
 * `jwt_verification_failures_total{reason}` on the kit's metrics registry. Counted where a
 * failure becomes an error (the factories of auth-errors.ts), so every path counts once: the
 * middlewares, `requireService()`, `optionalUser()` (a bad token there is still a bad token)
 * and `createJwtVerifier().verify()` used outside HTTP. `reason` comes from the error code, a
 * closed list, never from the token or jose's message, so the label set stays bounded.
 */
import { kitCounter } from '../alerting/kit-metrics.js';
import type { KitErrorCode } from '../errors/codes.js';

/** The `reason` label of `jwt_verification_failures_total`. */
export type JwtFailureReason = 'expired' | 'invalid' | 'too_large' | 'revoked' | 'claim_invalid' | 'user_invalid' | 'user_id_missing' | 'service_token' | 'jwks_unavailable' | 'other';

const REASON_BY_CODE: Partial<Record<KitErrorCode, JwtFailureReason>> = {
  ERR_AUTH_TOKEN_EXPIRED: 'expired',
  ERR_AUTH_TOKEN_INVALID: 'invalid',
  ERR_AUTH_TOKEN_TOO_LARGE: 'too_large',
  ERR_AUTH_TOKEN_REVOKED: 'revoked',
  ERR_AUTH_CLAIM_INVALID: 'claim_invalid',
  ERR_AUTH_USER_INVALID: 'user_invalid',
  ERR_AUTH_USER_ID_MISSING: 'user_id_missing',
  ERR_AUTH_SERVICE_TOKEN: 'service_token',
  ERR_AUTH_JWKS_UNAVAILABLE: 'jwks_unavailable',
};

const failures = kitCounter('jwt_verification_failures_total', 'JWT verification failures by reason (the auth error code)', ['reason']);

/** The `reason` of an auth error code (`other` for a code outside the list). */
export function jwtFailureReason(code: KitErrorCode): JwtFailureReason {
  return REASON_BY_CODE[code] ?? 'other';
}

/** Counts one rejected token. */
export function countJwtFailure(code: KitErrorCode): void {
  failures.inc({ reason: jwtFailureReason(code) });
}
