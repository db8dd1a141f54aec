/**
 * Zod schemas and types of integration credentials, in camelCase; snake_case JSON
 * (`access_token`, `expires_at`, as Python services store it) is accepted on input (top-level
 * keys only, so `metadata` and `headers` contents are never renamed).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { secretSchema } from './secret.js';

const SNAKE = /_([a-z0-9])/g;

/** Renames `snake_case` top-level keys to camelCase unless the camelCase key is present. */
function camelizeKeys(value: unknown, renames: Record<string, string> = {}): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  const input = value as Record<string, unknown>;
  for (const [key, item] of Object.entries(input)) {
    const camel = renames[key] ?? key.replace(SNAKE, (_, c: string) => c.toUpperCase());
    if (camel !== key && Object.hasOwn(input, camel)) continue; // explicit camelCase wins
    out[camel] = item;
  }
  return out;
}

/** `null` (Python `None` in stored JSON) counts as absent. */
function optional<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === null ? undefined : value), schema.optional());
}

const MAX_SHORT = 256;
const shortText = (what: string) =>
  z.string({ message: `${what} must be a string` }).min(1, { message: `${what} must not be empty` }).max(MAX_SHORT, { message: `${what} must be at most ${MAX_SHORT} characters` });
/** Unix time in seconds (as OAuth `expires_at` is stored); fractions allowed. */
const unixSeconds = z.number().finite().nonnegative();
const metadataSchema = z.record(z.string(), z.unknown());
const scopesSchema = z.array(z.string().max(1024)).max(1000);

// A lone surrogate becomes U+FFFD in UTF-8: two ids differing only there would be one record.
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const baseShape = {
  id: z
    .string()
    .min(1)
    .max(MAX_SHORT)
    .refine((id) => !LONE_SURROGATE.test(id), { message: 'id must be well-formed Unicode' })
    .default(() => randomUUID()),
  provider: shortText('provider'),
  title: optional(z.string().max(1024)),
};

const oauth2Object = z.object({
  ...baseShape,
  type: z.literal('oauth2'),
  /** Username of the third-party account these credentials belong to. */
  username: optional(z.string().max(1024)),
  accessToken: secretSchema(),
  /** Unix time (seconds) when the access token expires, if it does. */
  accessTokenExpiresAt: optional(unixSeconds),
  refreshToken: optional(secretSchema()),
  /** Unix time (seconds) when the refresh token expires, if it does. */
  refreshTokenExpiresAt: optional(unixSeconds),
  scopes: scopesSchema,
  metadata: metadataSchema.default(() => ({})),
});

const apiKeyObject = z.object({
  ...baseShape,
  type: z.literal('api_key'),
  apiKey: secretSchema(),
  /** Unix time (seconds) when the key expires, if it does. */
  expiresAt: optional(unixSeconds),
});

const userPasswordObject = z.object({
  ...baseShape,
  type: z.literal('user_password'),
  username: secretSchema(),
  password: secretSchema(),
});

const hostScopedObject = z.object({
  ...baseShape,
  type: z.literal('host_scoped'),
  /** Host the headers apply to: `api.example.com`, or `*.example.com` for subdomains. */
  host: shortText('host'),
  /** Headers added to requests to `host`; every value is a secret. */
  headers: z.record(z.string().min(1).max(MAX_SHORT), secretSchema()).default(() => ({})),
});

const credentialsUnion = z.discriminatedUnion('type', [oauth2Object, apiKeyObject, userPasswordObject, hostScopedObject]);

const camel = <T extends z.ZodType>(schema: T) => z.preprocess((value) => camelizeKeys(value), schema);

/** OAuth2 credentials: access token, optional refresh token, scopes. */
export const OAuth2Credentials = camel(oauth2Object);
export type OAuth2Credentials = z.output<typeof oauth2Object>;
/** An API key, optionally expiring. */
export const APIKeyCredentials = camel(apiKeyObject);
export type APIKeyCredentials = z.output<typeof apiKeyObject>;
/** A username/password pair (both secret), sent as HTTP Basic. */
export const UserPasswordCredentials = camel(userPasswordObject);
export type UserPasswordCredentials = z.output<typeof userPasswordObject>;
/** Secret headers to add to every request to one host. */
export const HostScopedCredentials = camel(hostScopedObject);
export type HostScopedCredentials = z.output<typeof hostScopedObject>;
/**
 * Any stored credentials, discriminated on `type`.
 *
 * @example
 * ```ts
 * const creds = Credentials.parse({ type: 'api_key', provider: 'openai', api_key: 'sk-…' }) // snake_case accepted
 * if (creds.type === 'api_key') creds.apiKey.reveal()
 * ```
 */
export const Credentials = camel(credentialsUnion);
export type Credentials = z.output<typeof credentialsUnion>;
/** What callers pass in: secrets as strings or `Secret`s, `id` optional. */
export type CredentialsInput = z.input<typeof credentialsUnion>;
/** The `type` values of {@link Credentials}. */
export type CredentialsType = Credentials['type'];

const oauthStateObject = z.object({
  token: z.string().min(1).max(MAX_SHORT),
  provider: shortText('provider'),
  /** Unix time (seconds, may carry a fraction) after which the state is refused. */
  expiresAt: unixSeconds,
  scopes: scopesSchema,
  /** PKCE (RFC 7636) verifier; its S256 challenge goes to the authorization server. */
  codeVerifier: optional(z.string().min(43).max(128)),
  callbackUrl: optional(z.string().max(2048)),
  metadata: optional(metadataSchema),
});

/**
 * A pending OAuth authorization (the `state` parameter), single use; what
 * `store.verifyOAuthState()` returns.
 *
 * @example
 * ```ts
 * const state = await store.verifyOAuthState(userId, req.query.state, 'github') // OAuthState | null
 * ```
 */
export const OAuthState = camel(oauthStateObject);
export type OAuthState = z.output<typeof oauthStateObject>;

/** The (deprecated) user-metadata shape that holds credentials inline: `integration_credentials`, `integration_oauth_states`. */
export const UserMetadata = camel(
  z.object({
    integrationCredentials: z.array(Credentials).default(() => []),
    integrationOauthStates: z.array(OAuthState).default(() => []),
  }),
);
export type UserMetadata = z.output<typeof UserMetadata>;

/** Everything stored for one user: credentials, pending OAuth states, credentials managed by the platform. */
export const UserIntegrations = camel(
  z.object({
    managedCredentials: z.record(z.string(), optional(secretSchema())).default(() => ({})),
    credentials: z.array(Credentials).default(() => []),
    oauthStates: z.array(OAuthState).default(() => []),
  }),
);
export type UserIntegrations = z.output<typeof UserIntegrations>;
