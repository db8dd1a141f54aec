/**
 * Redaction of credentials before anything is logged. One list of sensitive names serves every
 * place the kit logs: header names (`redactHeaders`, a logged `headers` object), record fields
 * at any depth (every format, the Cloud transport) and query parameters of logged URLs
 * (`redactUrl`). Names are compared without case, `-` and `_` (`X-Auth-Token`, `x_auth_token`
 * and `xAuthToken` are one name), and any name ending in `token`, `secret`, `password`,
 * `apikey` or `privatekey` is sensitive too. `configureLogging({ redact })` extends the list
 * (names, and dot paths of record fields) and sets the censor.
 */

/** The default censor: what a redacted value is replaced with. */
export const REDACTED = '[REDACTED]';

/** The built-in names (compared normalized: lowercase, without `-` and `_`). */
export const DEFAULT_REDACTED_NAMES: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-auth-token',
  'x-access-token',
  'x-csrf-token',
  'x-xsrf-token',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'api_key',
  'key',
  'password',
  'passwd',
  'pwd',
  'secret',
  'client_secret',
  'private_key',
  'signature',
  'sig',
  'auth',
  'session',
  'sessionid',
  'jwt',
  'assertion',
  'credential',
  'credentials',
];

/**
 * Names that are credentials only as query parameters: OAuth callback URLs carry the
 * authorization code and the CSRF state under them, while a record field `code` is an error
 * code and `state` a state name (the kit's modules log both).
 */
export const QUERY_ONLY_REDACTED_NAMES: readonly string[] = ['code', 'state'];
const queryOnly = new Set(QUERY_ONLY_REDACTED_NAMES);

const SENSITIVE_SUFFIX = /(?:token|secret|password|passwd|apikey|privatekey)$/;

/** What `configureLogging({ redact })` accepts (the shape of pino-http's `redact`). */
export interface RedactOptions {
  /** More sensitive names: headers, record fields at any depth and query parameters. */
  names?: string[];
  /** Dot paths of record fields to redact wherever the name is (`user.email`, `body.*.card`; `*` is any one key). */
  paths?: string[];
  /** The replacement value. Default `[REDACTED]`. */
  censor?: string;
}

/** Lowercase, without `-`, `_` and spaces: the form names are compared in. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_ ]/g, '');
}

let names = new Set(DEFAULT_REDACTED_NAMES.map(normalizeName));
let paths: string[][] = [];
let censor = REDACTED;
let namesVersion = 0;
// Record keys repeat endlessly (message, requestId, status…): remember the answer.
const verdicts = new Map<string, boolean>();

/**
 * Replaces the user part of the list (the built-in names always stay). Called by
 * `configureLogging()` with its `redact` option; calling it without options restores the
 * defaults.
 */
export function configureRedaction(options: RedactOptions = {}): void {
  names = new Set([...DEFAULT_REDACTED_NAMES, ...(options.names ?? [])].map(normalizeName));
  paths = (options.paths ?? []).map((path) => path.split('.'));
  censor = options.censor ?? REDACTED;
  verdicts.clear();
  namesVersion += 1;
}

/** Changes whenever `configureRedaction()` runs: a verdict of {@link isSensitiveName} kept with it is still right while it is the same. */
export function redactionVersion(): number {
  return namesVersion;
}

/** Whether `configureLogging({ redact: { paths } })` set any dot path (the root format applies them). */
export function hasRedactPaths(): boolean {
  return paths.length > 0;
}

/** The current censor value. */
export function redactionCensor(): string {
  return censor;
}

/** True when a header, record field or query parameter with this name holds a credential. */
export function isSensitiveName(name: string): boolean {
  let known = verdicts.get(name);
  if (known === undefined) {
    const normalized = name.length <= 64 ? normalizeName(name.trim()) : '';
    known = normalized !== '' && (names.has(normalized) || SENSITIVE_SUFFIX.test(normalized));
    if (verdicts.size >= 4096) verdicts.clear();
    verdicts.set(name, known);
  }
  return known;
}

/** A record field name that holds a credential (the same list as headers and parameters). */
export const isSensitiveKey = isSensitiveName;
/** A header that carries credentials (case-insensitive; the same list). */
export const isSensitiveHeader = isSensitiveName;
/** A query parameter that usually carries a credential (the same list, plus `code` and `state`). */
export function isSensitiveParam(name: string): boolean {
  return isSensitiveName(name) || queryOnly.has(normalizeName(name.trim()));
}

/**
 * A copy of `headers` with credential headers replaced by the censor.
 *
 * @example
 * ```ts
 * redactHeaders({ authorization: 'Bearer abc', accept: '*\/*' }) // { authorization: '[REDACTED]', accept: '*\/*' }
 * ```
 */
export function redactHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) out[name] = isSensitiveName(name) ? censor : value;
  return out;
}

/**
 * A URL (absolute or a path with query) with credential query values replaced by the censor;
 * the rest is kept byte for byte.
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
    return equals >= 0 && isSensitiveParam(name) ? `${rawName}=${censor}` : part;
  });
  return `${url.slice(0, question)}?${parts.join('&')}${hash < 0 ? '' : url.slice(hash)}`;
}

function redactAt(value: unknown, path: string[], index: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  const segment = path[index]!;
  const last = index === path.length - 1;
  const object = value as Record<string, unknown>;
  const keys = segment === '*' ? Object.keys(object) : Object.prototype.hasOwnProperty.call(object, segment) ? [segment] : [];
  let copy: Record<string, unknown> | undefined;
  for (const key of keys) {
    const next = last ? censor : redactAt(object[key], path, index + 1);
    if (next === object[key]) continue;
    copy ??= Array.isArray(object) ? (object.slice() as unknown as Record<string, unknown>) : Object.assign({}, object);
    copy[key] = next;
  }
  return copy ?? value;
}

/**
 * `record` with the configured paths redacted: copied along each path that exists (never
 * mutated, another holder of the objects keeps its values), unchanged when no path is set.
 */
export function redactPaths<T extends object>(record: T): T {
  let out = record;
  for (const path of paths) out = redactAt(out, path, 0) as T;
  return out;
}
