/**
 * The verifier of one auth middleware factory call: the injected one, or one built from
 * settings / the environment at factory time (so a bad configuration fails at startup, not
 * per request). Middlewares built from the same configuration share one verifier (one
 * imported key, one JWKS cache) instead of one per route.
 */
import { createHash } from 'node:crypto';
import { ConfigError } from '../config/settings.js';
import { resolveEnv } from '../config/env.js';
import { AUTH_SETTING_KEYS, isAuthSettings, loadAuthSettings, type AuthSettingsOverrides } from './settings.js';
import { isProduction } from './startup-check.js';
import type { IsRevoked } from './after-verification.js';
import type { GetToken, TokenFrom } from './token-source.js';
import { createJwtVerifier, type JwtVerifier, type JwtVerifierOptions } from './verifier.js';

/** Options of every auth middleware: inject a verifier, or give settings / verifier options. */
export interface AuthMiddlewareOptions extends JwtVerifierOptions {
  /** One verifier shared by the app (and its tests). Excludes the verifier options (not the request options below). */
  verifier?: JwtVerifier;
  /**
   * Where the token may come from: `{ header?: boolean (default true), cookie?: name }`. A
   * token in two of them is a 400 (RFC 6750 §2). See docs/auth.md for the CSRF consequence
   * of cookies.
   */
  tokenFrom?: TokenFrom;
  /** The app's own token reader, instead of `tokenFrom`. */
  getToken?: GetToken;
  /**
   * Called with the verified payload (after verification and the verified-token cache, on
   * every request): true refuses the token (401 `Token has been revoked`). See
   * `createRedisRevocationList().isRevoked`.
   */
  isRevoked?: IsRevoked;
}

/** Options about the request, not the verifier: never passed on to createJwtVerifier. */
const REQUEST_OPTION_KEYS: readonly string[] = ['verifier', 'tokenFrom', 'getToken', 'isRevoked'];

const sharedVerifiers = new Map<string, JwtVerifier>();

function hasVerifierOptions(options: AuthMiddlewareOptions): boolean {
  return Object.entries(options).some(([key, value]) => !REQUEST_OPTION_KEYS.includes(key) && value !== undefined);
}

function injected(options: AuthMiddlewareOptions, scope: string): JwtVerifier {
  if (typeof options.verifier?.verify !== 'function') {
    throw new ConfigError([{ variable: 'verifier', message: 'must be an object with a verify(token) method (see createJwtVerifier)' }], `${scope} options`);
  }
  if (hasVerifierOptions(options)) {
    throw new ConfigError([{ variable: 'verifier', message: 'cannot be combined with settings or verifier options; configure the injected verifier instead' }], `${scope} options`);
  }
  return options.verifier;
}

/** The verifier for a factory named `scope` (its name appears in ConfigErrors). */
export function resolveVerifier(options: AuthMiddlewareOptions = {}, scope: string): JwtVerifier {
  if (options.verifier !== undefined) return injected(options, scope);
  const { settings, env, ...rest } = options;
  const overrides: AuthSettingsOverrides = {};
  const tuning: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rest)) {
    if (REQUEST_OPTION_KEYS.includes(key)) continue;
    if (AUTH_SETTING_KEYS.includes(key as keyof AuthSettingsOverrides)) (overrides as Record<string, unknown>)[key] = value;
    else tuning[key] = value;
  }
  const resolved = isAuthSettings(settings) ? settings : loadAuthSettings(env, { ...(settings ?? {}), ...overrides });
  // The key is part of the fingerprint (hashed, never kept), and so is production mode:
  // the same settings are checked more strictly there.
  const fingerprint = createHash('sha256')
    .update(JSON.stringify({ ...resolved, verifyKey: resolved.verifyKey, tuning, production: isProduction(resolveEnv(env)) }))
    .digest('base64');
  let verifier = sharedVerifiers.get(fingerprint);
  if (!verifier) {
    verifier = createJwtVerifier({ ...(tuning as JwtVerifierOptions), env, settings: resolved });
    sharedVerifiers.set(fingerprint, verifier);
  }
  return verifier;
}
