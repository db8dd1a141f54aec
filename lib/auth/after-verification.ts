/**
 * Checks that run on a payload the verifier has already accepted (never inside
 * verification, so the fast path's differential property is untouched): revocation, and
 * telling machine tokens from user tokens.
 */
import type { Request } from 'express';
import type { JWTPayload } from 'jose';
import { isKitError, KitError } from '../errors/kit-error.js';
import { invalidTokenError } from './auth-errors.js';

/** The `isRevoked` option of the auth middlewares. */
export type IsRevoked = (payload: JWTPayload, req: Request) => boolean | Promise<boolean>;

/**
 * Throws 401 `Token has been revoked` when the hook says so. A hook that cannot answer fails
 * closed: 503 (`ERR_STORE_UNAVAILABLE`), never a revoked token let in.
 */
export async function refuseRevoked(isRevoked: IsRevoked | undefined, payload: JWTPayload, req: Request): Promise<void> {
  if (isRevoked === undefined) return;
  let revoked: boolean;
  try {
    revoked = (await isRevoked(payload, req)) === true;
  } catch (err) {
    if (isKitError(err) || typeof (err as { status?: unknown })?.status === 'number') throw err;
    throw new KitError('ERR_STORE_UNAVAILABLE', 'The revocation check failed', { cause: err });
  }
  if (revoked) throw invalidTokenError('Token has been revoked', 'ERR_AUTH_TOKEN_REVOKED');
}

/**
 * True for a client-credentials (machine) token: Auth0's `gty: "client-credentials"`, or an
 * explicit `grant_type: "client_credentials"`.
 *
 * @example
 * ```ts
 * isClientCredentialsToken({ gty: 'client-credentials' }) // true
 * ```
 */
export function isClientCredentialsToken(payload: JWTPayload): boolean {
  return payload.gty === 'client-credentials' || payload.grant_type === 'client_credentials';
}
