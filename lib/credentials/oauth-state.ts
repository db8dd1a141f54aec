/** OAuth `state` tokens and PKCE (RFC 7636) helpers. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A fresh unguessable token: 32 random bytes, base64url (43 characters). */
export function randomUrlToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * The PKCE S256 code challenge of `codeVerifier`: base64url(sha256(verifier)), no padding
 * (RFC 7636 §4.2).
 *
 * @example
 * ```ts
 * pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk') // 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'
 * ```
 */
export function pkceChallenge(codeVerifier: string): string {
  return createHash('sha256').update(codeVerifier, 'ascii').digest('base64url');
}

/** Constant-time string equality (hashes first, so lengths don't leak either). */
export function constantTimeEquals(a: string, b: string): boolean {
  const left = createHash('sha256').update(a, 'utf8').digest();
  const right = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(left, right);
}
