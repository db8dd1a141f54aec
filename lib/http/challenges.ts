/**
 * The kit's `WWW-Authenticate` challenges (RFC 7235 §4.1: every 401 carries one), built in
 * one place for auth and api-key. RFC 6750 §3: no error code when credentials are missing
 * (§3.1), `invalid_token` when they are bad, `insufficient_scope` when the caller is
 * authenticated but not allowed.
 */

/** RFC 6750 §3 error codes the kit sends. */
export type BearerErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope';

/** `error_description` must be a quoted-string of visible ASCII without `"` or `\` (RFC 6750 §3). */
function quoted(text: string): string {
  return text.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '?');
}

/**
 * `Bearer`, or `Bearer error="…"[, error_description="…"]`.
 *
 * @example
 * ```ts
 * bearerChallenge('invalid_token', 'Token has expired') // Bearer error="invalid_token", error_description="Token has expired"
 * ```
 */
export function bearerChallenge(error?: BearerErrorCode, description?: string): string {
  if (error === undefined) return 'Bearer';
  return description === undefined ? `Bearer error="${error}"` : `Bearer error="${error}", error_description="${quoted(description)}"`;
}

/** The challenge of a key sent in a header, e.g. `APIKey header="X-API-Key"`. */
export function apiKeyChallenge(headerName: string): string {
  return `APIKey header="${quoted(headerName)}"`;
}
