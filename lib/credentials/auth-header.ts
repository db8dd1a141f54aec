import { KitError } from '../errors/kit-error.js';
import type { APIKeyCredentials, Credentials, HostScopedCredentials, OAuth2Credentials } from './types.js';

/**
 * How one provider wants its token sent: a scheme word (`'token'` gives `token <secret>`,
 * GitHub's classic form) or a function building the whole header value.
 */
export type AuthHeaderOverride = string | ((credentials: Credentials) => string);

export interface AuthHeaderOptions {
  /** Per-provider overrides, keyed by `credentials.provider`. Default: `Bearer` for tokens and keys. */
  overrides?: Record<string, AuthHeaderOverride>;
}

function tokenOf(credentials: OAuth2Credentials | APIKeyCredentials): string {
  return credentials.type === 'oauth2' ? credentials.accessToken.reveal() : credentials.apiKey.reveal();
}

function headerValue(headers: HostScopedCredentials['headers'], name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return value.reveal();
  }
  return undefined;
}

/**
 * The `Authorization` header value for `credentials`:
 * `Bearer <access token>` (oauth2), `Bearer <api key>` (api_key), `Basic base64(user:password)`
 * (user_password), and the stored `Authorization` header, or `''`, for host_scoped. A
 * per-provider override changes the scheme or the whole value.
 *
 * @example
 * ```ts
 * await fetch(url, { headers: { Authorization: authHeader(creds, { overrides: { github: 'token' } }) } })
 * ```
 */
export function authHeader(credentials: Credentials, options: AuthHeaderOptions = {}): string {
  const override = options.overrides && Object.hasOwn(options.overrides, credentials.provider) ? options.overrides[credentials.provider] : undefined;
  if (typeof override === 'function') return override(credentials);
  switch (credentials.type) {
    case 'oauth2':
    case 'api_key':
      return `${override ?? 'Bearer'} ${tokenOf(credentials)}`;
    case 'user_password': {
      const pair = `${credentials.username.reveal()}:${credentials.password.reveal()}`;
      return `${override ?? 'Basic'} ${Buffer.from(pair, 'utf8').toString('base64')}`;
    }
    case 'host_scoped':
      return headerValue(credentials.headers, 'authorization') ?? '';
  }
}

/**
 * `Bearer <secret>` for OAuth2 and API-key credentials. Throws
 * `ERR_VALIDATION` for types that have no bearer token.
 *
 * @example
 * ```ts
 * const headers = { Authorization: bearer(creds) }
 * ```
 */
export function bearer(credentials: Credentials): string {
  if (credentials.type !== 'oauth2' && credentials.type !== 'api_key') {
    throw new KitError('ERR_VALIDATION', `Credentials of type '${credentials.type}' have no bearer token; use authHeader()`);
  }
  return `Bearer ${tokenOf(credentials)}`;
}

/**
 * Every header to send with `credentials`, secrets revealed: `{ Authorization }` for most
 * types, the stored header map for host_scoped.
 *
 * @example
 * ```ts
 * await fetch(url, { headers: credentialsHeaders(creds) })
 * ```
 */
export function credentialsHeaders(credentials: Credentials, options: AuthHeaderOptions = {}): Record<string, string> {
  if (credentials.type === 'host_scoped') {
    return Object.fromEntries(Object.entries(credentials.headers).map(([name, value]) => [name, value.reveal()]));
  }
  return { Authorization: authHeader(credentials, options) };
}

/**
 * Whether host-scoped credentials apply to `url`: exact host match, or `*.example.com`
 * matching `example.com` and its subdomains.
 *
 * @example
 * ```ts
 * if (hostScopedMatches(creds, 'https://api.example.com/v1')) headers = credentialsHeaders(creds)
 * ```
 */
export function hostScopedMatches(credentials: HostScopedCredentials, url: string): boolean {
  let hostname: string;
  try {
    hostname = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  if (!hostname) return false;
  const pattern = credentials.host.toLowerCase();
  if (pattern === hostname) return true;
  if (pattern.startsWith('*.')) {
    const domain = pattern.slice(2);
    return hostname === domain || hostname.endsWith(`.${domain}`);
  }
  return false;
}
