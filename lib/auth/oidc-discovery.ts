/**
 * OpenID Connect Discovery 1.0 (§4): the JWKS URL of an issuer, read from
 * `<issuer>/.well-known/openid-configuration`, so an Auth0 / Okta / Keycloak / Supabase user
 * configures one URL. The document is fetched by the JWKS resolver's own refresh (jwks.ts),
 * so it is single-flight and cooled down exactly like the key set; its `jwks_uri` is kept
 * for `maxAgeMs` and forgotten when a key set fetch from it fails (the provider may have moved it).
 */

/** Finds the JWKS URL; `forget()` makes the next call read the configuration again. */
export interface JwksLocator {
  (): Promise<string>;
  forget(): void;
}

export interface OidcDiscoveryOptions {
  /** Deadline of one fetch, body included. */
  timeoutMs: number;
  /** How long a discovered `jwks_uri` is used before the configuration is read again. */
  maxAgeMs: number;
  /** Accept a plain-http `jwks_uri` off loopback (never in production). */
  allowInsecureJwksUri: boolean;
  now?: () => number;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** `<issuer>/.well-known/openid-configuration`, the issuer's trailing slash removed (§4.1). */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

function jwksUriOf(config: unknown, issuer: string, allowInsecure: boolean): string {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new Error('OpenID configuration is not a JSON object');
  const { issuer: discovered, jwks_uri: jwksUri } = config as Record<string, unknown>;
  // §4.3: the issuer in the document must be exactly the one we trust, or its keys are not ours.
  if (discovered !== issuer) throw new Error('OpenID configuration issuer does not match JWT_ISSUER');
  let url: URL;
  try {
    url = new URL(String(jwksUri));
  } catch {
    throw new Error('OpenID configuration has no valid jwks_uri');
  }
  const secure = url.protocol === 'https:' || (url.protocol === 'http:' && (allowInsecure || LOOPBACK_HOSTS.has(url.hostname)));
  if (!secure) throw new Error('OpenID configuration jwks_uri is not an https URL');
  return url.href;
}

/** A locator reading the issuer's configuration (nothing is fetched until the first call). */
export function createOidcJwksLocator(issuer: string, options: OidcDiscoveryOptions): JwksLocator {
  const href = discoveryUrl(issuer);
  const now = options.now ?? Date.now;
  let known: string | undefined;
  let knownAtMs = Number.NEGATIVE_INFINITY;
  const locate = async function locateJwks(): Promise<string> {
    if (known !== undefined && now() < knownAtMs + options.maxAgeMs) return known;
    const response = await fetch(href, {
      method: 'GET',
      redirect: 'manual',
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => {});
      throw new Error(`OpenID configuration endpoint answered ${response.status}`);
    }
    known = jwksUriOf(await response.json(), issuer, options.allowInsecureJwksUri);
    knownAtMs = now();
    return known;
  } as JwksLocator;
  locate.forget = () => {
    known = undefined;
  };
  return locate;
}
