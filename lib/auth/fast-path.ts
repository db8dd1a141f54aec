/**
 * Wiring of the node:crypto fast path (fast-jws.ts) into the verifier: which key a token
 * gets (the same choice as the jose resolvers of verifier.ts), and "fast path first, jose when
 * it is not sure".
 */
import type { CryptoKey, JWSHeaderParameters, JWTPayload } from 'jose';
import { fastKeyOf, fastVerify, parseCompact, type FastClaimRules, type FastKey, type ParsedCompact } from './fast-jws.js';
import type { JwksResolver } from './jwks.js';
import type { StaticVerificationKey } from './keys.js';

/** The key the fast path may use for a parsed token (the same choice as the jose resolvers). */
export type FastKeyChooser = (parsed: ParsedCompact) => FastKey | undefined | Promise<FastKey | undefined>;

export function fastKeyChooser(staticKey: StaticVerificationKey | undefined, jwks: JwksResolver | undefined, jwksAlgorithms: readonly string[]): FastKeyChooser {
  const converted = new WeakMap<object, FastKey | undefined>();
  async function fromJwks(parsed: ParsedCompact): Promise<FastKey | undefined> {
    const [protectedHeader, payload, signature] = parsed.signingInput.split('.').concat(parsed.signature.toString('base64url'));
    let cryptoKey: CryptoKey;
    try {
      cryptoKey = await jwks!(parsed.header as JWSHeaderParameters, { protected: protectedHeader, payload: payload!, signature: signature! });
    } catch (err) {
      // jose would call the same resolver at this point (header, alg and payload are already
      // known good) and fail with this very error: report it without a second key lookup (and
      // a second wait on a failing endpoint). Several matching keys are jose's to try.
      if ((err as { code?: unknown }).code === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') return undefined;
      throw err;
    }
    if (!converted.has(cryptoKey)) converted.set(cryptoKey, fastKeyOf(cryptoKey));
    return converted.get(cryptoKey);
  }
  return function chooseFastKey(parsed) {
    const { alg } = parsed;
    const kid = parsed.header.kid;
    if (staticKey && alg === staticKey.algorithm) {
      const jwksToo = jwks !== undefined && jwksAlgorithms.includes(alg);
      if (!jwksToo || kid === undefined || kid === staticKey.kid) return staticKey.fastKey;
    }
    return jwks ? fromJwks(parsed) : undefined;
  };
}

/**
 * The fast path alone, synchronously, for a verifier whose only key is its static key (no
 * JWKS): the payload when node:crypto is sure, undefined when jose must decide (the caller
 * then takes the async path, which gives jose's verdict and error).
 */
export function syncFastCheck(staticKey: StaticVerificationKey, algorithms: readonly string[], rules: FastClaimRules): (token: string) => JWTPayload | undefined {
  const allowed = new Set(algorithms);
  return function checkTokenNow(token) {
    const parsed = parseCompact(token, allowed);
    return parsed && parsed.alg === staticKey.algorithm ? fastVerify(parsed, staticKey.fastKey, rules) : undefined;
  };
}

/**
 * node:crypto first, jose when the fast path is not sure (see fast-jws.ts): same verdicts,
 * jose's errors, a fraction of the CPU for the tokens that verify.
 */
export function withFastPath(joseCheck: (token: string) => Promise<JWTPayload>, chooseKey: FastKeyChooser, algorithms: readonly string[], rules: FastClaimRules): (token: string) => Promise<JWTPayload> {
  const allowed = new Set(algorithms);
  return async function checkToken(token) {
    const parsed = parseCompact(token, allowed);
    if (parsed) {
      const chosen = chooseKey(parsed);
      const key = chosen instanceof Promise ? await chosen : chosen;
      const payload = fastVerify(parsed, key, rules);
      if (payload) return payload;
    }
    return joseCheck(token);
  };
}
