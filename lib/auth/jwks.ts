/**
 * Keys from a remote JWKS (jose `createRemoteJWKSet`): cached, refreshed on an unknown `kid`
 * at most once per cooldown, fetched only from the configured URL (jose does not follow
 * redirects). When the endpoint is down, keys already fetched keep verifying (stale while
 * unavailable); only a token whose key we do not have fails, with a 503.
 */
import { type CryptoKey, createLocalJWKSet, createRemoteJWKSet, type JWSHeaderParameters, type FlattenedJWSInput } from 'jose';

/** Marks "the key set could not be obtained" (mapped to 503 by the verifier). */
export class JwksUnavailable extends Error {
  constructor(cause: unknown) {
    super('JWKS endpoint unavailable', { cause });
    this.name = 'JwksUnavailable';
  }
}

export interface JwksResolverOptions {
  timeoutMs: number;
  cooldownMs: number;
  cacheMaxAgeMs: number;
}

type KeyResolver = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey>;

/** jose errors meaning "the key set was fetched, the token just does not match it". */
const TOKEN_SIDE_CODES = new Set(['ERR_JWKS_NO_MATCHING_KEY', 'ERR_JWKS_MULTIPLE_MATCHING_KEYS', 'ERR_JOSE_NOT_SUPPORTED']);

function codeOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null ? ((err as { code?: unknown }).code as string | undefined) : undefined;
}

/** A jose key resolver over a remote JWKS with the failure semantics above. */
export function createJwksResolver(url: string, options: JwksResolverOptions): KeyResolver {
  const remote = createRemoteJWKSet(new URL(url), {
    timeoutDuration: options.timeoutMs,
    cooldownDuration: options.cooldownMs,
    cacheMaxAge: options.cacheMaxAgeMs,
  });
  let stale: ReturnType<typeof createLocalJWKSet> | undefined;

  return async function resolveJwksKey(header, token) {
    try {
      const key = (await remote(header, token)) as CryptoKey;
      stale = undefined;
      return key;
    } catch (err) {
      if (TOKEN_SIDE_CODES.has(codeOf(err) ?? '')) throw err;
      // Fetching failed. Keys fetched earlier are still trustworthy: use them.
      const known = stale ? undefined : remote.jwks();
      if (known && known.keys.length > 0) stale = createLocalJWKSet(known);
      if (stale) {
        try {
          return (await stale(header, token)) as CryptoKey;
        } catch (staleErr) {
          // An unknown kid while the endpoint is down: the key may well exist there.
          if (codeOf(staleErr) !== 'ERR_JWKS_NO_MATCHING_KEY') throw staleErr;
        }
      }
      throw new JwksUnavailable(err);
    }
  };
}
