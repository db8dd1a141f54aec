/**
 * The kit's one reading of request credentials, shared by auth and api-key (so a header
 * accepted by one is parsed the same way by the other):
 * - `Authorization: <scheme> <credentials>` with the scheme case-insensitive (RFC 7235 §2.1),
 *   separated by whitespace, credentials trimmed (RFC 6750 §2.1 for `Bearer`);
 * - a single-valued header such as `X-API-Key`, trimmed.
 * Empty values count as absent. Nothing here validates the credential itself: that is the
 * verifier's job, so a malformed value reaches it and gets its precise 401.
 */
import type { IncomingHttpHeaders } from 'node:http';

type Headers = IncomingHttpHeaders | Record<string, string | string[] | undefined>;

/**
 * A header as one trimmed string; undefined when absent or empty. Node joins repeated
 * headers with ", "; an array only comes from custom parsers and is joined the same way.
 */
export function headerText(headers: Headers, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  const text = Array.isArray(value) ? value.join(', ') : value;
  if (typeof text !== 'string') return undefined;
  const trimmed = text.trim();
  return trimmed === '' ? undefined : trimmed;
}

/**
 * The credentials of `Authorization: <scheme> <credentials>` when the scheme is `scheme`
 * (compared case-insensitively); undefined when absent, empty or another scheme.
 */
export function authorizationCredentials(headers: Headers, scheme: string): string | undefined {
  const value = headerText(headers, 'authorization');
  if (value === undefined) return undefined;
  const space = value.search(/\s/);
  if (space <= 0 || value.slice(0, space).toLowerCase() !== scheme.toLowerCase()) return undefined;
  const credentials = value.slice(space).trim();
  return credentials === '' ? undefined : credentials;
}

/**
 * The token of `Authorization: Bearer <token>` (scheme case-insensitive); undefined when
 * absent, empty or another scheme.
 *
 * @example
 * ```ts
 * const token = bearerToken(req.headers)
 * ```
 */
export function bearerToken(headers: Headers): string | undefined {
  return authorizationCredentials(headers, 'bearer');
}
