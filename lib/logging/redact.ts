/**
 * Redaction of credentials before anything is logged: sensitive headers (Authorization,
 * Cookie, Set-Cookie, X-API-Key…), token-looking query parameters (token, access_token,
 * api_key, key, code, password, secret…) and record fields with those names.
 */

/** What a redacted value is replaced with. */
export const REDACTED = '[REDACTED]';

const SENSITIVE_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-auth-token',
  'x-access-token',
  'x-csrf-token',
  'x-xsrf-token',
]);

const SENSITIVE_PARAMS = new Set([
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'api_key',
  'apikey',
  'api-key',
  'key',
  'code',
  'password',
  'passwd',
  'pwd',
  'secret',
  'client_secret',
  'signature',
  'sig',
  'auth',
  'session',
  'sessionid',
  'jwt',
  'assertion',
  'state',
]);

const SENSITIVE_KEY_PATTERN = /^(?:authorization|proxy-authorization|cookie|set-cookie|x-api-key|password|passwd|secret|client_secret|token|access_token|refresh_token|id_token|api_key|apikey|apiKey|accessToken|refreshToken|idToken|clientSecret|privateKey|private_key|jwt|credentials?)$/i;

/** True when a record field or header with this name holds a credential. */
export function isSensitiveKey(key: string): boolean {
  let known = sensitiveKeyCache.get(key);
  if (known === undefined) {
    known = key.length <= 40 && SENSITIVE_KEY_PATTERN.test(key);
    if (sensitiveKeyCache.size >= 4096) sensitiveKeyCache.clear();
    sensitiveKeyCache.set(key, known);
  }
  return known;
}
// Record keys repeat endlessly (message, requestId, status…): remember the answer.
const sensitiveKeyCache = new Map<string, boolean>();

/** True for a header that carries credentials (case-insensitive). */
export function isSensitiveHeader(name: string): boolean {
  return SENSITIVE_HEADERS.has(name.toLowerCase());
}

/**
 * A copy of `headers` with credential headers replaced by `[REDACTED]`.
 *
 * @example
 * ```ts
 * redactHeaders({ authorization: 'Bearer abc', accept: '*\/*' }) // { authorization: '[REDACTED]', accept: '*\/*' }
 * ```
 */
export function redactHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) out[name] = isSensitiveHeader(name) ? REDACTED : value;
  return out;
}

/**
 * A URL (absolute or a path with query) with token-looking query values replaced by
 * `[REDACTED]`; the rest is kept byte for byte.
 *
 * @example
 * ```ts
 * redactUrl('/cb?code=abc&state=xyz&page=2') // '/cb?code=[REDACTED]&state=[REDACTED]&page=2'
 * ```
 */
export function redactUrl(url: string): string {
  const question = url.indexOf('?');
  if (question < 0) return url;
  const hash = url.indexOf('#', question);
  const query = url.slice(question + 1, hash < 0 ? undefined : hash);
  const parts = query.split('&').map((part) => {
    const equals = part.indexOf('=');
    const rawName = equals < 0 ? part : part.slice(0, equals);
    let name: string;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, ' '));
    } catch {
      name = rawName;
    }
    return equals >= 0 && isSensitiveParam(name) ? `${rawName}=${REDACTED}` : part;
  });
  return `${url.slice(0, question)}?${parts.join('&')}${hash < 0 ? '' : url.slice(hash)}`;
}

/** True for a query parameter name that usually carries a credential. */
export function isSensitiveParam(name: string): boolean {
  const lower = name.trim().toLowerCase();
  return SENSITIVE_PARAMS.has(lower) || /(?:token|secret|password|api[_-]?key)$/.test(lower);
}
