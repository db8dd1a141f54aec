/**
 * `createJwtVerifier`: one object verifying JWTs with jose, usable outside HTTP (WebSocket
 * handshakes, jobs). Keys are imported once, at creation; only the configured algorithms are
 * accepted, so algorithm confusion is impossible (an HS256 token is only ever checked against
 * the HMAC secret, never against a public key).
 */
import { type CryptoKey, type FlattenedJWSInput, type JWSHeaderParameters, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import { z } from 'zod';
import { ConfigError, parseOptions } from '../config/settings.js';
import { resolveEnv, type Env } from '../config/env.js';
import { HttpError } from '../errors/http-error.js';
import { invalidTokenError } from './auth-errors.js';
import type { FastClaimRules } from './fast-jws.js';
import { fastKeyChooser, syncFastCheck, withFastPath } from './fast-path.js';
import { createJwksResolver, type JwksResolver } from './jwks.js';
import { prepareStaticKey, type StaticVerificationKey } from './keys.js';
import { AUTH_SETTING_KEYS, isAuthSettings, loadAuthSettings, type AuthSettings, type AuthSettingsOverrides } from './settings.js';
import { createOidcJwksLocator } from './oidc-discovery.js';
import { checkVerificationKey, isProduction } from './startup-check.js';
import { createVerifiedTokenCache, type VerifiedTokenCache } from './token-cache.js';
import { verificationError } from './verification-errors.js';

type KeyResolver = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey>;

/** Verifies a compact JWT; rejects with an `HttpError` (401, or 503 when the JWKS is down). */
export interface JwtVerifier {
  /** Resolves to the verified payload (frozen when the cache is on: it is shared). */
  verify(token: string): Promise<JWTPayload>;
  /** The algorithms this verifier accepts. */
  readonly algorithms: readonly string[];
}

/** Options of {@link createJwtVerifier}: settings overrides plus verifier tuning. */
export interface JwtVerifierOptions extends AuthSettingsOverrides {
  /** Settings from `loadAuthSettings()` (used as is) or overrides of the environment. */
  settings?: AuthSettings | AuthSettingsOverrides;
  /** Environment to read instead of `process.env` + `.env`. */
  env?: Env;
  /** Tokens longer than this are refused before any parsing. Default 8192. */
  maxTokenBytes?: number;
  /**
   * Cache of verified tokens (LRU keyed by SHA-256 of the token). `true` = 10 000 entries.
   * Default `false`. Entries expire at `exp`, and with a JWKS after `jwksCacheMaxAgeMs` too: a
   * key removed from the key set stops verifying (cached or not) at the first key set refresh
   * after `jwksCacheMaxAgeMs`.
   */
  cache?: boolean | { maxEntries?: number };
  /** JWKS fetch timeout (headers and body). Default 5000. */
  jwksTimeoutMs?: number;
  /**
   * Minimum time between two JWKS fetch attempts (an unknown `kid`, an expired key set), failed
   * or not: a failing endpoint sees one request per cooldown. Default 30000.
   */
  jwksCooldownMs?: number;
  /**
   * Age of the cached JWKS after which it is refreshed, in the background (its keys keep
   * answering meanwhile). A key removed from the JWKS stops verifying at that refresh.
   * Default 600000 (10 minutes).
   */
  jwksCacheMaxAgeMs?: number;
}

const tuningSchema = z.object({
  settings: z.unknown().optional(),
  env: z.record(z.string(), z.string().optional()).optional(),
  maxTokenBytes: z.number().int().min(256).max(1024 * 1024).default(8192),
  cache: z.union([z.boolean(), z.object({ maxEntries: z.number().int().min(1).max(10_000_000).default(10_000) }).strict()]).default(false),
  jwksTimeoutMs: z.number().int().min(1).max(60_000).default(5_000),
  jwksCooldownMs: z.number().int().min(0).max(3_600_000).default(30_000),
  jwksCacheMaxAgeMs: z.number().int().min(0).max(86_400_000).default(600_000),
});
// Settings overrides travel in the same object; loadAuthSettings validates them.
const settingKeys = Object.fromEntries(AUTH_SETTING_KEYS.map((key) => [key, z.unknown().optional()])) as {
  [K in keyof AuthSettingsOverrides]-?: z.ZodOptional<z.ZodUnknown>;
};
const optionsSchema = tuningSchema.extend(settingKeys).strict();
type Tuning = z.output<typeof tuningSchema>;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** Settings to verify with: given settings, or env with the given overrides. */
function settingsFrom(input: AuthSettings | JwtVerifierOptions | undefined, env: Env | undefined): AuthSettings {
  if (isAuthSettings(input)) return input;
  const nested = input?.settings;
  if (isAuthSettings(nested)) return nested;
  const overrides: AuthSettingsOverrides = { ...(nested ?? {}) };
  for (const key of AUTH_SETTING_KEYS) {
    if (input?.[key] !== undefined) (overrides as Record<string, unknown>)[key] = input[key];
  }
  return loadAuthSettings(env, overrides);
}

/** The static key as a WebCrypto key, imported once; an import failure is a 500 kept server-side. */
function staticKeyLoader(staticKey: StaticVerificationKey): { get(): Promise<CryptoKey>; ready(): CryptoKey | undefined } {
  let imported: CryptoKey | undefined;
  return {
    ready: () => imported,
    async get() {
      if (imported) return imported;
      try {
        imported = await staticKey.cryptoKey;
        return imported;
      } catch (err) {
        // Checked synchronously at creation; reaching this is a platform limitation.
        throw new HttpError(500, 'JWT verification key could not be imported', { code: 'ERR_INTERNAL', cause: err });
      }
    },
  };
}

/**
 * With both a static key and a JWKS: the static key answers for its own algorithm, the JWKS
 * for the others, and for a `kid` that the static key does not carry.
 */
function combinedResolver(staticKey: StaticVerificationKey, loadStatic: () => Promise<CryptoKey>, jwks: JwksResolver, jwksAlgorithms: readonly string[]): KeyResolver {
  return async function resolveKey(header, token) {
    if (header.alg !== staticKey.algorithm) return jwks(header, token);
    const jwksToo = jwksAlgorithms.includes(header.alg);
    if (!jwksToo || header.kid === undefined || header.kid === staticKey.kid) return loadStatic();
    return jwks(header, token);
  };
}

/** jose with a resolver; several JWKS keys matching a token without `kid` (a rotation) are each tried. */
async function verifyWithResolver(token: string, keyResolver: KeyResolver, options: JWTVerifyOptions): Promise<JWTPayload> {
  try {
    return (await jwtVerify(token, keyResolver, options)).payload;
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'ERR_JWKS_MULTIPLE_MATCHING_KEYS' || !(Symbol.asyncIterator in (err as object))) throw err;
    let last: unknown = err;
    for await (const key of err as AsyncIterable<CryptoKey>) {
      try {
        return (await jwtVerify(token, key, options)).payload;
      } catch (attempt) {
        last = attempt;
        if ((attempt as { code?: unknown }).code !== 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') break;
      }
    }
    throw last;
  }
}

interface VerifyPlan {
  maxTokenBytes: number;
  toleranceSeconds: number;
  cache: VerifiedTokenCache | undefined;
  /** jose's verification of the signature and registered claims. */
  check(token: string): Promise<JWTPayload>;
  /** The same check done synchronously when node:crypto is sure (static key, no JWKS); undefined: ask `check`. */
  checkNow: ((token: string) => JWTPayload | undefined) | undefined;
}

/** A verifier's synchronous acceptance: the payload, or undefined when only `verify()` can judge the token. */
export type VerifyNow = (token: string) => JWTPayload | undefined;

// Kept beside the verifier rather than on it: the public JwtVerifier shape stays as it is, and
// an injected verifier (which has no entry) always takes the async path.
const verifyNowOf = new WeakMap<JwtVerifier, VerifyNow>();

/**
 * The synchronous verification of a verifier made by this module with a static key and no
 * JWKS: it **accepts** exactly what `verify()` would accept with the same payload, and returns
 * undefined for everything else (every rejection, and any token node:crypto cannot judge), so
 * `verify()` stays the one source of rejections and their error codes. Undefined for other
 * verifiers (a JWKS, the fast path off, an injected verifier).
 */
export function synchronousVerification(verifier: JwtVerifier): VerifyNow | undefined {
  return verifyNowOf.get(verifier);
}

/** The verify() of a plan: size, cache, jose, the future-`iat` rule, then the cache again. */
function verifierOf(plan: VerifyPlan, algorithms: string[]): JwtVerifier {
  const { maxTokenBytes, toleranceSeconds, cache, checkNow } = plan;
  /** The checks after the signature and registered claims, then the cache; false means refuse. */
  function accepted(token: string, payload: JWTPayload): boolean {
    // A token issued in the future is refused (PyJWT does the same; jose only checks exp/nbf).
    if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + toleranceSeconds) return false;
    if (cache) {
      // Cached payloads are shared by every request presenting the token: freeze them.
      deepFreeze(payload);
      cache.set(token, payload);
    }
    return true;
  }
  const verifier: JwtVerifier = {
    algorithms: Object.freeze(algorithms),
    async verify(token: string): Promise<JWTPayload> {
      if (typeof token !== 'string' || token === '') throw invalidTokenError('Invalid token: Malformed token');
      // Checked before any decoding: a megabyte of base64 costs nothing to refuse here.
      if (token.length > maxTokenBytes) {
        throw invalidTokenError(`Invalid token: Token is larger than ${maxTokenBytes} bytes`, 'ERR_AUTH_TOKEN_TOO_LARGE');
      }
      const cached = cache?.get(token);
      if (cached) return cached;
      let payload: JWTPayload;
      try {
        payload = await plan.check(token);
      } catch (err) {
        if (err instanceof HttpError) throw err;
        throw verificationError(err);
      }
      if (!accepted(token, payload)) throw invalidTokenError('Invalid token: The token is not yet valid (iat)');
      return payload;
    },
  };
  if (checkNow) {
    verifyNowOf.set(verifier, function verifyNow(token) {
      // The same order as verify(); any refusal is left to verify(), which names it.
      if (typeof token !== 'string' || token === '' || token.length > maxTokenBytes) return undefined;
      const cached = cache?.get(token);
      if (cached) return cached;
      const payload = checkNow(token);
      return payload !== undefined && accepted(token, payload) ? payload : undefined;
    });
  }
  return verifier;
}

/** The JWKS resolver: from `JWT_JWKS_URL`, or from the issuer's OpenID configuration. */
function jwksResolverOf(settings: AuthSettings, options: Tuning): JwksResolver | undefined {
  const tuning = { timeoutMs: options.jwksTimeoutMs, cooldownMs: options.jwksCooldownMs, cacheMaxAgeMs: options.jwksCacheMaxAgeMs };
  if (settings.jwksUrl) return createJwksResolver(settings.jwksUrl, tuning);
  if (!settings.oidcDiscovery || settings.issuer === undefined) return undefined;
  const locator = createOidcJwksLocator(settings.issuer, {
    timeoutMs: options.jwksTimeoutMs,
    maxAgeMs: options.jwksCacheMaxAgeMs,
    allowInsecureJwksUri: !isProduction(resolveEnv(options.env)),
  });
  return createJwksResolver(locator, tuning);
}

/**
 * Creates a verifier from settings (or overrides of the environment). Throws `ConfigError` at
 * once for a bad key, algorithm or option.
 *
 * @example
 * ```ts
 * const verifier = createJwtVerifier(loadAuthSettings())
 * const payload = await verifier.verify(token) // throws HttpError 401 "Token has expired", ...
 * ```
 */
export function createJwtVerifier(input?: AuthSettings | JwtVerifierOptions): JwtVerifier {
  return buildJwtVerifier(input, true);
}

/** {@link createJwtVerifier}, with the node:crypto fast path on or off (the differential test compares both). */
export function buildJwtVerifier(input: AuthSettings | JwtVerifierOptions | undefined, fastPath: boolean): JwtVerifier {
  const options: Tuning = parseOptions(optionsSchema, isAuthSettings(input) ? {} : input, 'JWT verifier options');
  const settings = settingsFrom(input, options.env);
  const staticKey = settings.verifyKey ? prepareStaticKey(settings.verifyKey, settings.algorithm) : undefined;
  const keyIssues = checkVerificationKey(settings, staticKey, resolveEnv(options.env));
  if (keyIssues.length > 0) throw new ConfigError(keyIssues, 'auth settings');
  const jwks = jwksResolverOf(settings, options);
  const algorithms = [...new Set([...(staticKey ? [settings.algorithm] : []), ...(jwks ? settings.jwksAlgorithms : [])])];
  const joseOptions: JWTVerifyOptions = {
    algorithms,
    audience: [...settings.audience],
    clockTolerance: settings.clockToleranceSeconds,
    ...(settings.issuer !== undefined ? { issuer: settings.issuer } : {}),
  };
  const loader = staticKey ? staticKeyLoader(staticKey) : undefined;
  const resolver: KeyResolver | undefined = jwks && staticKey && loader ? combinedResolver(staticKey, loader.get, jwks, settings.jwksAlgorithms) : jwks;
  const joseCheck = resolver
    ? (token: string) => verifyWithResolver(token, resolver, joseOptions)
    : async (token: string) => (await jwtVerify(token, loader!.ready() ?? (await loader!.get()), joseOptions)).payload;
  const rules: FastClaimRules = { audience: settings.audience, issuer: settings.issuer, toleranceSeconds: settings.clockToleranceSeconds };
  const check = fastPath ? withFastPath(joseCheck, fastKeyChooser(staticKey, jwks, settings.jwksAlgorithms), algorithms, rules) : joseCheck;
  // Without a JWKS every key is at hand: node:crypto can accept synchronously.
  const checkNow = fastPath && staticKey && !jwks ? syncFastCheck(staticKey, algorithms, rules) : undefined;
  const maxEntries = options.cache === false ? 0 : options.cache === true ? 10_000 : options.cache.maxEntries;
  const cache = maxEntries > 0 ? createVerifiedTokenCache(maxEntries, jwks ? options.jwksCacheMaxAgeMs : undefined) : undefined;
  return verifierOf({ maxTokenBytes: options.maxTokenBytes, toleranceSeconds: settings.clockToleranceSeconds, cache, check, checkNow }, algorithms);
}
