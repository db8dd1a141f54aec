/**
 * Keys from a remote JWKS, fetched only from the configured URL (redirects are not followed)
 * and parsed by jose (`createLocalJWKSet`). The cache is ours, not jose's
 * `createRemoteJWKSet`, because of how it must behave when the endpoint fails:
 * - one fetch at a time (concurrent verifications share it);
 * - a failed fetch is cooled down like a successful one: at most one attempt per
 *   `cooldownMs`, so an endpoint answering 500 sees one request per cooldown, not one per
 *   token;
 * - keys we already hold answer at once; a refresh of an expired key set runs in the
 *   background, so a hanging endpoint never delays a token whose key is known;
 * - only a token whose key we do not have waits for a fetch, and fails with 503 when the key
 *   set could not be obtained.
 */
import { type CryptoKey, createLocalJWKSet, type FlattenedJWSInput, type JSONWebKeySet, type JWSHeaderParameters } from 'jose';
import { getLogger } from '../logging/logger.js';
import type { JwksLocator } from './oidc-discovery.js';

const logger = getLogger('auth');

/** Marks "the key set could not be obtained" (mapped to 503 by the verifier). */
export class JwksUnavailable extends Error {
  /** Seconds until the next fetch attempt is allowed (the `Retry-After` of the 503). */
  readonly retryAfterSeconds: number;

  constructor(cause: unknown, retryAfterSeconds: number) {
    super('JWKS endpoint unavailable', { cause });
    this.name = 'JwksUnavailable';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export interface JwksResolverOptions {
  /** Deadline of one fetch, body included. */
  timeoutMs: number;
  /** Minimum time between two fetch attempts, whether the previous one succeeded or failed. */
  cooldownMs: number;
  /** Age after which the key set is refreshed (in the background while its keys answer). */
  cacheMaxAgeMs: number;
  /** Clock (tests). Default `Date.now`. */
  now?: () => number;
}

/** A jose key resolver over the remote key set. */
export interface JwksResolver {
  (header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey>;
  /** Settles when no fetch is running (tests; never rejects). */
  idle(): Promise<void>;
}

type LocalKeySet = ReturnType<typeof createLocalJWKSet>;

function codeOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null ? ((err as { code?: unknown }).code as string | undefined) : undefined;
}

/** One GET of the key set under a deadline covering headers and body. */
async function fetchKeySet(href: string, timeoutMs: number): Promise<LocalKeySet> {
  const response = await fetch(href, {
    method: 'GET',
    redirect: 'manual',
    headers: { accept: 'application/json, application/jwk-set+json' },
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => {});
    throw new Error(`JWKS endpoint answered ${response.status}`);
  }
  // createLocalJWKSet refuses anything that is not a key set.
  return createLocalJWKSet((await response.json()) as JSONWebKeySet);
}

/** The key set from a fixed URL, or from the URL a locator finds (OIDC discovery), under one deadline each. */
function keySetLoader(source: string | JwksLocator, timeoutMs: number): () => Promise<LocalKeySet> {
  if (typeof source === 'string') {
    const href = new URL(source).href;
    return () => fetchKeySet(href, timeoutMs);
  }
  return async function loadDiscoveredKeySet() {
    const href = await source();
    try {
      return await fetchKeySet(href, timeoutMs);
    } catch (err) {
      source.forget();
      throw err;
    }
  };
}

/**
 * Creates the resolver over a JWKS URL, or a locator of it (OIDC discovery: its fetches run
 * inside the key set's refresh, so they share its single flight and cooldown). Nothing is
 * fetched until the first token needs a key.
 */
export function createJwksResolver(source: string | JwksLocator, options: JwksResolverOptions): JwksResolver {
  const load = keySetLoader(source, options.timeoutMs);
  const now = options.now ?? Date.now;
  let local: LocalKeySet | undefined;
  let fetchedAtMs = Number.NEGATIVE_INFINITY;
  let attemptedAtMs = Number.NEGATIVE_INFINITY;
  let lastFailure: unknown;
  let failedFetches = 0;
  let pending: Promise<void> | undefined;

  const coolingDown = (): boolean => now() < attemptedAtMs + options.cooldownMs;
  const unavailable = (): JwksUnavailable =>
    new JwksUnavailable(lastFailure, Math.max(1, Math.ceil((attemptedAtMs + options.cooldownMs - now()) / 1000)));

  /** Starts (or joins) the one fetch; never rejects: the outcome is `local` / `lastFailure`. */
  function refresh(): Promise<void> {
    if (pending) return pending;
    attemptedAtMs = now();
    const current: Promise<void> = load()
      .then(
        (keySet) => {
          local = keySet;
          fetchedAtMs = now();
          lastFailure = undefined;
          // An outage is two log lines (when it starts, when it ends), never one per request:
          // the 503s it causes are marked reported.
          if (failedFetches > 0) logger.info(`JWKS available again after ${failedFetches} failed fetch(es)`, { failedFetches });
          failedFetches = 0;
        },
        (err: unknown) => {
          lastFailure = err;
          failedFetches += 1;
          if (failedFetches === 1) {
            logger.warn(`JWKS fetch failed (${err instanceof Error ? err.message : String(err)}); tokens needing a new key get 503 until it answers`, { cooldownMs: options.cooldownMs });
          }
        },
      )
      .finally(() => {
        if (pending === current) pending = undefined;
      });
    pending = current;
    return current;
  }

  /** A kid we do not hold: wait for a fetch when one may run, else answer from what we know. */
  async function resolveUnknownKey(header: JWSHeaderParameters, token: FlattenedJWSInput, miss: unknown): Promise<CryptoKey> {
    if (!pending && coolingDown()) {
      // The last attempt failed: the key may well exist there (503); it succeeded: it does not (401).
      if (lastFailure !== undefined) throw unavailable();
      throw miss;
    }
    await refresh();
    if (!local) throw unavailable();
    try {
      return (await local(header, token)) as CryptoKey;
    } catch (err) {
      if (codeOf(err) === 'ERR_JWKS_NO_MATCHING_KEY' && lastFailure !== undefined) throw unavailable();
      throw err;
    }
  }

  const resolveJwksKey = async function resolveJwksKey(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> {
    if (!local) {
      if (!pending && coolingDown()) throw unavailable();
      await refresh();
      if (!local) throw unavailable();
    } else if (now() >= fetchedAtMs + options.cacheMaxAgeMs && !pending && !coolingDown()) {
      // Expired but still trusted: refresh in the background; the keys we hold answer now.
      void refresh();
    }
    try {
      return (await local(header, token)) as CryptoKey;
    } catch (err) {
      if (codeOf(err) !== 'ERR_JWKS_NO_MATCHING_KEY') throw err;
      return resolveUnknownKey(header, token, err);
    }
  } as JwksResolver;
  resolveJwksKey.idle = async () => {
    while (pending) await pending;
  };
  return resolveJwksKey;
}
