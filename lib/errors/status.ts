/**
 * The HTTP status of a `KitError` that carries none: core code (stores, codecs) throws plain
 * `KitError`s with a stable code and never imports HTTP concepts; the edge (`errorHandler()`)
 * answers with the status its code means. Codes not listed answer 500.
 */
import type { KitErrorCode } from './codes.js';

const STATUS_BY_CODE: Partial<Record<KitErrorCode, number>> = {
  ERR_VALIDATION: 400,
  ERR_OAUTH_STATE_INVALID: 400,
  ERR_CREDENTIALS_NOT_FOUND: 404,
  ERR_CREDENTIALS_CONFLICT: 409,
  ERR_PAYLOAD_TOO_LARGE: 413,
  ERR_RATE_LIMITED: 429,
  ERR_STORE_UNAVAILABLE: 503,
  ERR_LOCK_TIMEOUT: 503,
  ERR_LOCK_LOST: 503,
  ERR_LOCK_TABLE_FULL: 503,
};

/** The status `errorHandler()` answers for a `KitError` with this code and no own status. */
export function statusForCode(code: KitErrorCode): number {
  return STATUS_BY_CODE[code] ?? 500;
}
