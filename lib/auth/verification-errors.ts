/**
 * Maps jose failures to fixed client messages: `Token has expired` and
 * `Invalid token: <reason>`. Reasons are fixed sentences chosen here, never text derived from
 * the token, so no message can echo a token, a claim value or a key.
 */
import type { HttpError } from '../errors/http-error.js';
import { invalidTokenError, jwksUnavailableError } from './auth-errors.js';
import { JwksUnavailable } from './jwks.js';

const REASON_BY_CODE: Record<string, string> = {
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'Signature verification failed',
  ERR_JOSE_ALG_NOT_ALLOWED: 'The specified alg value is not allowed',
  ERR_JWS_INVALID: 'Malformed token',
  ERR_JWT_INVALID: 'Malformed token',
  ERR_JOSE_NOT_SUPPORTED: 'Unsupported token header',
  ERR_JWKS_NO_MATCHING_KEY: 'No matching key found for the token',
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: 'No key could verify the token',
};

/** jose's own fixed messages for malformed tokens are clearer than "Malformed token". */
const SAFE_JOSE_MESSAGES = new Set([
  'Invalid Compact JWS',
  'JWS Protected Header is invalid',
  'JWT Claims Set must be a top-level JSON object',
  'JWS "alg" (Algorithm) Header Parameter missing or invalid',
  'JWTs MUST NOT use unencoded payload',
]);

interface JoseLike {
  code?: unknown;
  claim?: unknown;
  reason?: unknown;
  message?: unknown;
}

function claimReason(claim: string, reason: string): string {
  if (reason === 'missing') return `Token is missing the ${claim} claim`;
  if (claim === 'aud') return 'Invalid audience';
  if (claim === 'iss') return 'Invalid issuer';
  if (claim === 'nbf' && reason === 'check_failed') return 'The token is not yet valid (nbf)';
  if (claim === 'iat' && reason === 'check_failed') return 'The token is not yet valid (iat)';
  if (['exp', 'nbf', 'iat'].includes(claim)) return `The ${claim} claim must be a number`;
  return `Invalid ${claim.length <= 16 ? claim : ''} claim`.replace('  ', ' ');
}

/** The 401 (or 503 for an unreachable JWKS) for a failed verification. */
export function verificationError(err: unknown): HttpError {
  if (err instanceof JwksUnavailable) return jwksUnavailableError(err.retryAfterSeconds, err.cause);
  const jose: JoseLike = typeof err === 'object' && err !== null ? (err as JoseLike) : {};
  const code = typeof jose.code === 'string' ? jose.code : '';
  if (code === 'ERR_JWT_EXPIRED') return invalidTokenError('Token has expired', 'ERR_AUTH_TOKEN_EXPIRED', err);
  let reason: string;
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') {
    reason = claimReason(String(jose.claim ?? 'unknown'), String(jose.reason ?? ''));
  } else if ((code === 'ERR_JWS_INVALID' || code === 'ERR_JWT_INVALID') && SAFE_JOSE_MESSAGES.has(String(jose.message))) {
    reason = String(jose.message).replace(/"/g, "'");
  } else {
    // Anything else (odd key parameters in a JWKS, a TypeError on a weird header) is still
    // the token being unverifiable: a 401, never a 500.
    reason = REASON_BY_CODE[code] ?? 'Token could not be verified';
  }
  return invalidTokenError(`Invalid token: ${reason}`, 'ERR_AUTH_TOKEN_INVALID', err);
}
