/**
 * `verifyAuthSettings`: the startup check (consistency of key, algorithm and
 * JWKS) plus the kit's production rules. Warnings are coded (`emitKitWarning`), errors are one
 * ConfigError listing every problem.
 */
import { ConfigError, type ConfigIssue } from '../config/settings.js';
import { emitKitWarning } from '../config/warnings.js';
import { resolveEnv, type Env } from '../config/env.js';
import { prepareStaticKey, type StaticVerificationKey } from './keys.js';
import { isHmacAlgorithm, type AuthSettings } from './settings.js';

/**
 * HMAC keys shorter than this are weak (32 characters: 256 bits of ASCII at best, the HS256 output size).
 *
 * @example
 * ```ts
 * if (secret.length < MIN_HMAC_KEY_LENGTH) throw new Error('JWT secret too short')
 * ```
 */
export const MIN_HMAC_KEY_LENGTH = 32;

/**
 * Production is declared by `ENVIRONMENT` (the Python services' variable) or by `NODE_ENV`
 * (what Node tooling and hosts set): either one saying `production` is enough, so a
 * deployment that only sets `NODE_ENV` gets the strict rules too.
 */
export function isProduction(env: Env): boolean {
  return [env.ENVIRONMENT, env.NODE_ENV].some((value) => (value ?? '').trim().toLowerCase() === 'production');
}

function isLoopbackUrl(url: URL): boolean {
  return ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

/**
 * Checks the verification key: a weak HMAC key is a coded warning (`WARN_AUTH_WEAK_KEY`),
 * and an issue (error) in production (`ENVIRONMENT` or `NODE_ENV` = `production`). Returns the issues found.
 */
export function checkVerificationKey(settings: AuthSettings, key: StaticVerificationKey | undefined, env: Env): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (!key || !isHmacAlgorithm(settings.algorithm)) return issues;
  // Counted in characters of the configured string; for an "oct" JWK, the decoded key bytes.
  const length = settings.verifyKey?.trim().startsWith('{') ? (key.secretBytes ?? 0) : (settings.verifyKey?.length ?? 0);
  if (length < MIN_HMAC_KEY_LENGTH) {
    const message = `JWT_VERIFY_KEY appears weak (less than ${MIN_HMAC_KEY_LENGTH} characters). Use a longer, cryptographically secure secret.`;
    if (isProduction(env)) issues.push({ variable: 'JWT_VERIFY_KEY', message: `is shorter than ${MIN_HMAC_KEY_LENGTH} characters, refused in production (ENVIRONMENT or NODE_ENV)` });
    else emitKitWarning('WARN_AUTH_WEAK_KEY', message);
  }
  return issues;
}

/**
 * The startup check: throws one `ConfigError` listing every inconsistency, and emits a coded
 * warning for each likely mistake. Rules: the key must parse and match `JWT_SIGN_ALGORITHM`
 * (a PEM key with an HS algorithm is refused: algorithm confusion); HMAC keys under 32
 * characters warn (`WARN_AUTH_WEAK_KEY`) and fail in production (`ENVIRONMENT=production` or
 * `NODE_ENV=production`), where
 * `AUTH_COOKIE_SECURE=false` fails too; a shared-secret algorithm warns
 * (`WARN_AUTH_SYMMETRIC_ALGORITHM`: anyone holding the secret can mint tokens); a plain
 * `http://` JWKS URL off loopback warns (`WARN_AUTH_JWKS_INSECURE_URL`).
 *
 * @example
 * ```ts
 * const settings = loadAuthSettings()
 * verifyAuthSettings(settings) // at startup, before app.listen
 * ```
 */
export function verifyAuthSettings(settings: AuthSettings, env?: Env): void {
  const source = resolveEnv(env);
  const issues: ConfigIssue[] = [];
  let key: StaticVerificationKey | undefined;
  if (settings.verifyKey) {
    try {
      key = prepareStaticKey(settings.verifyKey, settings.algorithm);
    } catch (err) {
      if (err instanceof ConfigError) issues.push(...err.issues);
      else throw err;
    }
  } else if (!settings.jwksUrl && !settings.oidcDiscovery) {
    issues.push({ variable: 'JWT_VERIFY_KEY', message: 'JWT_VERIFY_KEY must be set. An empty JWT secret would allow anyone to forge valid tokens.' });
  }
  issues.push(...checkVerificationKey(settings, key, source));
  if (key && isHmacAlgorithm(settings.algorithm)) {
    emitKitWarning(
      'WARN_AUTH_SYMMETRIC_ALGORITHM',
      `JWT_SIGN_ALGORITHM is ${settings.algorithm}, a shared-secret algorithm: a leaked secret lets anyone forge tokens. ` +
        'Prefer an asymmetric algorithm (ES256) or JWT_JWKS_URL.',
    );
  }
  if (settings.jwksUrl) {
    const url = new URL(settings.jwksUrl);
    if (url.protocol === 'http:' && !isLoopbackUrl(url)) {
      emitKitWarning('WARN_AUTH_JWKS_INSECURE_URL', 'JWT_JWKS_URL uses plain http: keys fetched over it can be replaced in transit. Use https.');
    }
  }
  if (settings.oidcDiscovery && settings.issuer !== undefined) {
    const url = new URL(settings.issuer);
    if (url.protocol === 'http:' && !isLoopbackUrl(url)) {
      emitKitWarning('WARN_AUTH_JWKS_INSECURE_URL', 'JWT_ISSUER uses plain http with JWT_OIDC_DISCOVERY: the configuration and keys fetched over it can be replaced in transit. Use https.');
    }
  }
  if (isProduction(source) && !settings.cookieSecure) {
    issues.push({ variable: 'AUTH_COOKIE_SECURE', message: 'must be true in production (ENVIRONMENT or NODE_ENV; cookies would travel over plain http)' });
  }
  if (issues.length > 0) throw new ConfigError(issues, 'auth settings');
}
