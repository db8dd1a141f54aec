/**
 * Auth settings: a zod schema over the `JWT_*`, `SUPABASE_*` and `AUTH_*` environment variables, overridable by
 * options, validated once at startup with one ConfigError listing every bad variable.
 */
import { z } from 'zod';
import { ConfigError, configIssuesFromZod, envBool, envInt, envList, envString, type ConfigIssue } from '../config/settings.js';
import { resolveEnv, type Env } from '../config/env.js';

/**
 * JWS algorithms the verifier accepts (`none` never).
 *
 * @example
 * ```ts
 * JWT_ALGORITHMS.includes('ES256') // true
 * ```
 */
export const JWT_ALGORITHMS = [
  'HS256', 'HS384', 'HS512',
  'RS256', 'RS384', 'RS512',
  'PS256', 'PS384', 'PS512',
  'ES256', 'ES384', 'ES512',
  'EdDSA',
] as const;

/** A JWS algorithm name accepted by the kit. */
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

/** The message when no key is configured (word for word what the Python services say, so alerts match). */
export const EMPTY_KEY_MESSAGE = 'JWT_VERIFY_KEY must be set. An empty JWT secret would allow anyone to forge valid tokens.';

const SCOPE = 'auth settings';
const ALGORITHM_BY_LOWER = new Map<string, JwtAlgorithm>(JWT_ALGORITHMS.map((alg) => [alg.toLowerCase(), alg]));

/** True for the shared-secret (HMAC) algorithms. */
export function isHmacAlgorithm(alg: string): boolean {
  return alg.startsWith('HS');
}

function algorithmSchema(defaultValue: JwtAlgorithm) {
  return z.preprocess(
    (value) => (typeof value === 'string' ? value.trim() || undefined : value),
    z
      .string()
      .optional()
      .transform((value, ctx) => {
        if (value === undefined) return defaultValue;
        if (value.toLowerCase() === 'none') {
          ctx.addIssue({ code: 'custom', message: 'must not be "none": unsigned tokens would let anyone forge them' });
          return z.NEVER;
        }
        const alg = ALGORITHM_BY_LOWER.get(value.toLowerCase());
        if (!alg) {
          ctx.addIssue({ code: 'custom', message: `must be one of ${JWT_ALGORITHMS.join(', ')}` });
          return z.NEVER;
        }
        return alg;
      }),
  );
}

const jwksAlgorithmsSchema = envList(['ES256', 'RS256', 'EdDSA']).transform((values, ctx) => {
  const algs: JwtAlgorithm[] = [];
  for (const value of values) {
    const alg = ALGORITHM_BY_LOWER.get(value.toLowerCase());
    if (!alg || isHmacAlgorithm(alg)) {
      const shown = value.length <= 16 ? `"${value}"` : 'an entry';
      ctx.addIssue({ code: 'custom', message: `${shown} is not allowed: JWKS verification only supports asymmetric algorithms (RS*, PS*, ES*, EdDSA)` });
      return z.NEVER;
    }
    if (!algs.includes(alg)) algs.push(alg);
  }
  if (algs.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'must list at least one algorithm' });
    return z.NEVER;
  }
  return algs;
});

const httpUrl = envString().refine(
  (value) => {
    if (value === undefined) return true;
    try {
      const url = new URL(value);
      return url.protocol === 'http:' || url.protocol === 'https:';
    } catch {
      return false;
    }
  },
  { message: 'must be an http:// or https:// URL' },
);

/** The zod schema over the environment (keys are the variable names). */
export const authEnvSchema = z.object({
  JWT_VERIFY_KEY: envString(),
  JWT_SIGN_ALGORITHM: algorithmSchema('HS256'),
  JWT_JWKS_URL: httpUrl,
  JWT_JWKS_ALGORITHMS: jwksAlgorithmsSchema,
  JWT_AUDIENCE: envList(['authenticated']),
  JWT_ISSUER: envString(),
  JWT_OIDC_DISCOVERY: envBool(false),
  JWT_CLOCK_TOLERANCE_SECONDS: envInt({ min: 0, max: 600, default: 0 }),
  SUPABASE_URL: httpUrl,
  SUPABASE_ANON_KEY: envString(),
  SUPABASE_SERVICE_ROLE_KEY: envString(),
  AUTH_COOKIE_DOMAIN: envString(),
  AUTH_COOKIE_SECURE: envBool(true),
  AUTH_SESSION_TIMEOUT: envInt({ min: 300, max: 86400, default: 3600 }),
});

/** Validated auth settings (what {@link loadAuthSettings} returns). */
export interface AuthSettings {
  /** HMAC secret, PEM public key / certificate, or JWK JSON. Env `JWT_VERIFY_KEY` (falls back to `SUPABASE_JWT_SECRET`). */
  readonly verifyKey: string | undefined;
  /** Algorithm of `verifyKey`. Env `JWT_SIGN_ALGORITHM` (or `JWT_ALGORITHM`); default `HS256`. */
  readonly algorithm: JwtAlgorithm;
  /** JWKS endpoint for asymmetric tokens. Env `JWT_JWKS_URL`. */
  readonly jwksUrl: string | undefined;
  /** Algorithms accepted from the JWKS. Env `JWT_JWKS_ALGORITHMS`; default `ES256,RS256,EdDSA`. */
  readonly jwksAlgorithms: readonly JwtAlgorithm[];
  /** Accepted `aud` values (any one matches). Env `JWT_AUDIENCE` (comma-separated); default `authenticated`. */
  readonly audience: readonly string[];
  /** Required `iss`, when set. Env `JWT_ISSUER`. */
  readonly issuer: string | undefined;
  /**
   * Find the JWKS from `<issuer>/.well-known/openid-configuration` (OpenID Connect
   * Discovery) instead of `JWT_JWKS_URL`. Needs `JWT_ISSUER`. Env `JWT_OIDC_DISCOVERY`; default false.
   */
  readonly oidcDiscovery: boolean;
  /** Leeway for `exp`/`nbf`/`iat`. Env `JWT_CLOCK_TOLERANCE_SECONDS`; default 0. */
  readonly clockToleranceSeconds: number;
  readonly supabaseUrl: string | undefined;
  readonly supabaseAnonKey: string | undefined;
  readonly supabaseServiceRoleKey: string | undefined;
  readonly cookieDomain: string | undefined;
  /** Env `AUTH_COOKIE_SECURE`; default true. */
  readonly cookieSecure: boolean;
  /** Env `AUTH_SESSION_TIMEOUT` (300–86400); default 3600. */
  readonly sessionTimeoutSeconds: number;
}

/** Options overriding the environment (same names as {@link AuthSettings}, looser types). */
export interface AuthSettingsOverrides {
  verifyKey?: string | Record<string, unknown>;
  algorithm?: string;
  jwksUrl?: string | URL;
  jwksAlgorithms?: string | string[];
  audience?: string | string[];
  issuer?: string;
  oidcDiscovery?: boolean;
  clockToleranceSeconds?: number;
  supabaseUrl?: string;
  supabaseAnonKey?: string;
  supabaseServiceRoleKey?: string;
  cookieDomain?: string;
  cookieSecure?: boolean;
  sessionTimeoutSeconds?: number;
}

const ENV_NAME_OF: { [K in keyof Required<AuthSettingsOverrides>]: keyof z.input<typeof authEnvSchema> } = {
  verifyKey: 'JWT_VERIFY_KEY',
  algorithm: 'JWT_SIGN_ALGORITHM',
  jwksUrl: 'JWT_JWKS_URL',
  jwksAlgorithms: 'JWT_JWKS_ALGORITHMS',
  audience: 'JWT_AUDIENCE',
  issuer: 'JWT_ISSUER',
  oidcDiscovery: 'JWT_OIDC_DISCOVERY',
  clockToleranceSeconds: 'JWT_CLOCK_TOLERANCE_SECONDS',
  supabaseUrl: 'SUPABASE_URL',
  supabaseAnonKey: 'SUPABASE_ANON_KEY',
  supabaseServiceRoleKey: 'SUPABASE_SERVICE_ROLE_KEY',
  cookieDomain: 'AUTH_COOKIE_DOMAIN',
  cookieSecure: 'AUTH_COOKIE_SECURE',
  sessionTimeoutSeconds: 'AUTH_SESSION_TIMEOUT',
};

/** Names of the override keys (used to pick them out of wider option objects). */
export const AUTH_SETTING_KEYS = Object.keys(ENV_NAME_OF) as (keyof AuthSettingsOverrides)[];

const AUTH_SETTINGS_BRAND = Symbol.for('express-platform-kit.AuthSettings');
const SECRET_FIELDS = new Set(['verifyKey', 'supabaseAnonKey', 'supabaseServiceRoleKey']);

/** True for objects returned by {@link loadAuthSettings} (used as is, without reading env again). */
export function isAuthSettings(value: unknown): value is AuthSettings {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[AUTH_SETTINGS_BRAND] === true;
}

function redacted(settings: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(settings)) out[key] = SECRET_FIELDS.has(key) && value !== undefined ? '[redacted]' : value;
  return out;
}

/** With discovery, the issuer is where the configuration lives, and the JWKS URL comes from it. */
function discoveryIssues(issuer: string | undefined, jwksUrl: string | undefined): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  let url: URL | undefined;
  try {
    url = issuer === undefined ? undefined : new URL(issuer);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    issues.push({ variable: 'JWT_ISSUER', message: 'must be the issuer\'s http(s) URL when JWT_OIDC_DISCOVERY is on (the configuration is read from <issuer>/.well-known/openid-configuration)' });
  }
  if (jwksUrl !== undefined) issues.push({ variable: 'JWT_OIDC_DISCOVERY', message: 'cannot be combined with JWT_JWKS_URL: discovery finds the JWKS URL; set one of them' });
  return issues;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * Loads the auth settings from the environment (`process.env` over `.env`, or `env` when
 * given), with `overrides` (options) winning over variables. Throws one `ConfigError`
 * (`ERR_CONFIG_INVALID`) naming every bad variable. Secrets are redacted from
 * `JSON.stringify(settings)` and `console.log(settings)`.
 *
 * @example
 * ```ts
 * const settings = loadAuthSettings() // JWT_VERIFY_KEY, JWT_SIGN_ALGORITHM, JWT_JWKS_URL, ...
 * app.use(requireUser({ settings }))
 * ```
 */
export function loadAuthSettings(env?: Env, overrides: AuthSettingsOverrides = {}): AuthSettings {
  const source = resolveEnv(env);
  const input: Record<string, unknown> = { ...source };
  // Aliases older deployments use: JWT_VERIFY_KEY falls back to SUPABASE_JWT_SECRET,
  // JWT_SIGN_ALGORITHM is also read as JWT_ALGORITHM.
  const aliasOf: Record<string, string> = {};
  if (!text(source.JWT_VERIFY_KEY) && text(source.SUPABASE_JWT_SECRET)) {
    input.JWT_VERIFY_KEY = source.SUPABASE_JWT_SECRET;
    aliasOf.JWT_VERIFY_KEY = 'SUPABASE_JWT_SECRET';
  }
  if (!text(source.JWT_SIGN_ALGORITHM) && text(source.JWT_ALGORITHM)) {
    input.JWT_SIGN_ALGORITHM = source.JWT_ALGORITHM;
    aliasOf.JWT_SIGN_ALGORITHM = 'JWT_ALGORITHM';
  }
  for (const key of AUTH_SETTING_KEYS) {
    let value: unknown = overrides[key];
    if (value === undefined) continue;
    if (key === 'verifyKey' && typeof value === 'object' && value !== null) value = JSON.stringify(value);
    if (value instanceof URL) value = value.href;
    const name = ENV_NAME_OF[key];
    input[name] = value;
    aliasOf[name] = `${key} option`;
  }

  const issues: ConfigIssue[] = [];
  const result = authEnvSchema.safeParse(input);
  if (!result.success) issues.push(...configIssuesFromZod(result.error));
  const discovery = result.success && result.data.JWT_OIDC_DISCOVERY;
  if (!text(input.JWT_VERIFY_KEY) && !text(input.JWT_JWKS_URL) && !discovery) {
    issues.push({ variable: 'JWT_VERIFY_KEY', message: EMPTY_KEY_MESSAGE });
  }
  if (discovery) issues.push(...discoveryIssues(result.data.JWT_ISSUER, result.data.JWT_JWKS_URL));
  if (issues.length > 0 || !result.success) {
    throw new ConfigError(
      issues.map((issue) => (aliasOf[issue.variable] && issue.message !== EMPTY_KEY_MESSAGE ? { ...issue, variable: aliasOf[issue.variable]! } : issue)),
      SCOPE,
    );
  }
  const data = result.data;
  const settings: AuthSettings = {
    verifyKey: data.JWT_VERIFY_KEY,
    algorithm: data.JWT_SIGN_ALGORITHM,
    jwksUrl: data.JWT_JWKS_URL,
    jwksAlgorithms: Object.freeze(data.JWT_JWKS_ALGORITHMS),
    audience: Object.freeze(data.JWT_AUDIENCE),
    issuer: data.JWT_ISSUER,
    oidcDiscovery: data.JWT_OIDC_DISCOVERY,
    clockToleranceSeconds: data.JWT_CLOCK_TOLERANCE_SECONDS,
    supabaseUrl: data.SUPABASE_URL,
    supabaseAnonKey: data.SUPABASE_ANON_KEY,
    supabaseServiceRoleKey: data.SUPABASE_SERVICE_ROLE_KEY,
    cookieDomain: data.AUTH_COOKIE_DOMAIN,
    cookieSecure: data.AUTH_COOKIE_SECURE,
    sessionTimeoutSeconds: data.AUTH_SESSION_TIMEOUT,
  };
  Object.defineProperty(settings, AUTH_SETTINGS_BRAND, { value: true });
  Object.defineProperty(settings, 'toJSON', { value: () => redacted(settings as unknown as Record<string, unknown>) });
  Object.defineProperty(settings, Symbol.for('nodejs.util.inspect.custom'), {
    value: () => redacted(settings as unknown as Record<string, unknown>),
  });
  return Object.freeze(settings);
}
