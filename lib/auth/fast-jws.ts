/**
 * The fast path of JWT verification: the signature checked synchronously with node:crypto
 * (HMAC compared with `timingSafeEqual`; `crypto.verify` with a KeyObject imported once)
 * instead of jose's WebCrypto round trip, which costs ~15x more CPU per token.
 *
 * It can only **accept**. A token is accepted here only when every check jose would make is
 * certain to pass: canonical base64url segments, a plain-object header without `crit` or
 * `b64`, an allowed `alg` with a key of the right type, a valid signature, a plain-object
 * claims set whose registered claims satisfy the same rules as jose's `validateClaimsSet`.
 * Anything else returns `undefined` and the caller asks jose, so every rejection (and its error
 * code) is jose's own. The differential property test (test/auth/fast-jws.test.ts) checks
 * that both paths give the same verdict on generated hostile tokens.
 */
import { constants, createHmac, KeyObject, timingSafeEqual, verify as verifySignature } from 'node:crypto';
import type { JWTPayload } from 'jose';

/** A verification key as node:crypto uses it: an HMAC secret or a public KeyObject. */
export type FastKey = { readonly kind: 'secret'; readonly secret: Buffer } | { readonly kind: 'public'; readonly key: KeyObject };

/** The claim rules of the verifier (the same options jose gets). */
export interface FastClaimRules {
  readonly audience: readonly string[];
  readonly issuer: string | undefined;
  readonly toleranceSeconds: number;
}

const HMAC_HASH: Record<string, string> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' };
const EC_CURVE: Record<string, string> = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' };
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

// The 6-bit value of each base64url character (by char code), for the canonical check.
const BASE64URL_VALUE = new Uint8Array(128);
for (const [index, char] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].entries()) BASE64URL_VALUE[char.charCodeAt(0)] = index;

/**
 * Decoded bytes of a canonical base64url segment (what jose accepts and nothing looser).
 * Canonical, without re-encoding the bytes to compare: no padding, a length that is not 1
 * modulo 4 (6 bits make no byte), and the bits of the last character that encode no byte are 0
 * (the low 4 bits when 2 characters remain, the low 2 when 3 do).
 */
export function segmentBytes(segment: string): Buffer | undefined {
  if (!BASE64URL.test(segment)) return undefined;
  const rest = segment.length & 3;
  if (rest === 1) return undefined;
  if (rest !== 0 && (BASE64URL_VALUE[segment.charCodeAt(segment.length - 1)]! & (rest === 2 ? 0x0f : 0x03)) !== 0) return undefined;
  return Buffer.from(segment, 'base64url');
}

/** jose's `isObject`: a plain object (JSON.parse only makes those, arrays and primitives). */
function jsonObject(bytes: Buffer): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(strictUtf8.decode(bytes));
  } catch {
    return undefined;
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
}

/** True when `key` is the kind of key jose would use for `alg` (and big enough). */
export function keyFitsAlgorithm(alg: string, key: FastKey): boolean {
  if (alg in HMAC_HASH) return key.kind === 'secret';
  if (key.kind !== 'public' || key.key.type !== 'public') return false;
  const type = key.key.asymmetricKeyType;
  const details = key.key.asymmetricKeyDetails ?? {};
  if (alg === 'RS256' || alg === 'RS384' || alg === 'RS512') return type === 'rsa' && (details.modulusLength ?? 0) >= 2048;
  if (alg === 'PS256' || alg === 'PS384' || alg === 'PS512') return type === 'rsa' && (details.modulusLength ?? 0) >= 2048;
  if (alg in EC_CURVE) return type === 'ec' && details.namedCurve === EC_CURVE[alg];
  if (alg === 'EdDSA') return type === 'ed25519';
  return false;
}

function signatureValid(alg: string, key: FastKey, signingInput: string, signature: Buffer): boolean {
  if (key.kind === 'secret') {
    const expected = createHmac(HMAC_HASH[alg]!, key.secret).update(signingInput).digest();
    return expected.length === signature.length && timingSafeEqual(expected, signature);
  }
  const data = Buffer.from(signingInput, 'latin1');
  const hash = alg === 'EdDSA' ? null : `sha${alg.slice(2)}`;
  try {
    if (alg.startsWith('PS')) {
      return verifySignature(hash, data, { key: key.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, signature);
    }
    if (alg.startsWith('ES')) return verifySignature(hash, data, { key: key.key, dsaEncoding: 'ieee-p1363' }, signature);
    return verifySignature(hash, data, key.key, signature);
  } catch {
    return false;
  }
}

/** jose's claim checks for the options the verifier passes, as a yes/no. */
function claimsAcceptable(claims: Record<string, unknown>, rules: FastClaimRules): boolean {
  const { aud, iss, iat, nbf, exp } = claims;
  // The verifier always passes an audience list to jose: `aud` is required and must match.
  if (!Object.hasOwn(claims, 'aud')) return false;
  const audienceMatches = typeof aud === 'string' ? rules.audience.includes(aud) : Array.isArray(aud) && rules.audience.some((value) => aud.includes(value));
  if (!audienceMatches) return false;
  if (rules.issuer !== undefined && (!Object.hasOwn(claims, 'iss') || iss !== rules.issuer)) return false;
  const now = Math.floor(Date.now() / 1000);
  const tolerance = rules.toleranceSeconds;
  if ((iat !== undefined && typeof iat !== 'number') || (nbf !== undefined && typeof nbf !== 'number') || (exp !== undefined && typeof exp !== 'number')) return false;
  if (typeof nbf === 'number' && !(nbf <= now + tolerance)) return false;
  if (typeof exp === 'number' && !(exp > now - tolerance)) return false;
  return true;
}

/** The parts of a compact JWS the fast path can judge; undefined when jose must decide. */
export interface ParsedCompact {
  readonly header: Record<string, unknown>;
  readonly alg: string;
  readonly signingInput: string;
  readonly signature: Buffer;
  readonly payloadBytes: Buffer;
}

/** Splits and decodes a compact JWS; undefined for anything jose would judge differently. */
export function parseCompact(token: string, allowed: ReadonlySet<string>): ParsedCompact | undefined {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  if (first < 0 || second < 0 || token.indexOf('.', second + 1) >= 0) return undefined;
  const headerBytes = segmentBytes(token.slice(0, first));
  const payloadBytes = segmentBytes(token.slice(first + 1, second));
  const signature = segmentBytes(token.slice(second + 1));
  if (!headerBytes || !payloadBytes || !signature) return undefined;
  const header = jsonObject(headerBytes);
  // `crit` and `b64` change how jose reads the token: leave those to jose.
  if (!header || Object.hasOwn(header, 'crit') || Object.hasOwn(header, 'b64')) return undefined;
  const { alg } = header;
  if (typeof alg !== 'string' || !allowed.has(alg)) return undefined;
  return { header, alg, signingInput: token.slice(0, second), signature, payloadBytes };
}

/** The verified payload when the fast path is sure; undefined means "ask jose". */
export function fastVerify(parsed: ParsedCompact, key: FastKey | undefined, rules: FastClaimRules): JWTPayload | undefined {
  if (!key || !keyFitsAlgorithm(parsed.alg, key)) return undefined;
  if (!signatureValid(parsed.alg, key, parsed.signingInput, parsed.signature)) return undefined;
  const claims = jsonObject(parsed.payloadBytes);
  if (!claims || !claimsAcceptable(claims, rules)) return undefined;
  return claims as JWTPayload;
}

/** A FastKey of a WebCrypto key (JWKS keys); undefined when node:crypto cannot take it. */
export function fastKeyOf(cryptoKey: unknown): FastKey | undefined {
  try {
    const key = KeyObject.from(cryptoKey as Parameters<typeof KeyObject.from>[0]);
    return key.type === 'secret' ? { kind: 'secret', secret: key.export() } : { kind: 'public', key };
  } catch {
    return undefined;
  }
}
