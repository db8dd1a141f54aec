/**
 * Turns the configured `JWT_VERIFY_KEY` (HMAC secret, PEM public key or certificate, JWK JSON)
 * into one WebCrypto key, checked synchronously at startup so a bad key is a ConfigError,
 * never a 500 on the first request.
 */
import { createPublicKey, X509Certificate, type KeyObject, type JsonWebKey } from 'node:crypto';
import { type CryptoKey, importJWK } from 'jose';
import { ConfigError } from '../config/settings.js';
import type { FastKey } from './fast-jws.js';
import { isHmacAlgorithm, type JwtAlgorithm } from './settings.js';

/** A verification key ready for jose, plus what the startup checks need. */
export interface StaticVerificationKey {
  readonly algorithm: JwtAlgorithm;
  /** `kid` of a JWK key, when it has one. */
  readonly kid: string | undefined;
  /** Length in bytes of an HMAC secret (for the weak-key check). */
  readonly secretBytes: number | undefined;
  /** The imported key (resolves once; import runs at creation time). */
  readonly cryptoKey: Promise<CryptoKey>;
  /** The same key for node:crypto (the fast path). */
  readonly fastKey: FastKey;
}

const HASH_OF: Record<string, string> = { '256': 'SHA-256', '384': 'SHA-384', '512': 'SHA-512' };
const EC_CURVE_OF: Partial<Record<JwtAlgorithm, string>> = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' };

function keyError(message: string, variable = 'JWT_VERIFY_KEY'): ConfigError {
  return new ConfigError([{ variable, message }], 'auth settings');
}

function looksLikePem(key: string): boolean {
  return key.startsWith('-----BEGIN');
}

function looksLikeJson(key: string): boolean {
  return key.startsWith('{');
}

function parseJwk(key: string): JsonWebKey & { kid?: string } {
  let jwk: unknown;
  try {
    jwk = JSON.parse(key);
  } catch {
    throw keyError('looks like JSON but is not a valid JWK');
  }
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk) || typeof (jwk as { kty?: unknown }).kty !== 'string') {
    throw keyError('is JSON but not a JWK (missing "kty")');
  }
  return jwk as JsonWebKey & { kid?: string };
}

function hmacSecret(key: string, algorithm: JwtAlgorithm): Uint8Array {
  if (looksLikePem(key)) {
    throw keyError(`is a PEM key but JWT_SIGN_ALGORITHM is ${algorithm}; a public key must never be used as an HMAC secret (algorithm confusion)`);
  }
  if (looksLikeJson(key)) {
    const jwk = parseJwk(key);
    if (jwk.kty !== 'oct' || typeof jwk.k !== 'string' || jwk.k === '') {
      throw keyError(`is a "${jwk.kty === 'oct' ? 'oct' : 'non-oct'}" JWK but JWT_SIGN_ALGORITHM is ${algorithm}; HMAC needs an "oct" key`);
    }
    return new Uint8Array(Buffer.from(jwk.k, 'base64url'));
  }
  // The secret is the UTF-8 bytes of the string (as PyJWT reads it, so shared secrets match).
  return new TextEncoder().encode(key);
}

function publicKeyObject(rawKey: string, algorithm: JwtAlgorithm): { keyObject: KeyObject; kid: string | undefined } {
  // PEMs pasted into one-line env values often carry literal "\n" sequences.
  const key = looksLikePem(rawKey) && !rawKey.includes('\n') ? rawKey.replace(/\\n/g, '\n') : rawKey;
  if (looksLikePem(key)) {
    if (/PRIVATE KEY-----/.test(key)) throw keyError('is a private key; configure the public key (or certificate) only');
    try {
      if (/-----BEGIN CERTIFICATE-----/.test(key)) return { keyObject: new X509Certificate(key).publicKey, kid: undefined };
      return { keyObject: createPublicKey(key), kid: undefined };
    } catch {
      throw keyError('is not a valid PEM public key or certificate');
    }
  }
  if (looksLikeJson(key)) {
    const jwk = parseJwk(key);
    if (jwk.d !== undefined) throw keyError('is a private JWK; configure the public key only');
    if (jwk.kty === 'oct') throw keyError(`is an "oct" (shared secret) JWK but JWT_SIGN_ALGORITHM is ${algorithm}`);
    try {
      return { keyObject: createPublicKey({ key: jwk, format: 'jwk' }), kid: typeof jwk.kid === 'string' ? jwk.kid : undefined };
    } catch {
      throw keyError('is not a valid public JWK');
    }
  }
  throw keyError(`must be a PEM public key, a certificate or a JWK for ${algorithm}`);
}

function checkKeyMatchesAlgorithm(keyObject: KeyObject, algorithm: JwtAlgorithm): void {
  const type = keyObject.asymmetricKeyType;
  const details = keyObject.asymmetricKeyDetails ?? {};
  const family = algorithm.slice(0, 2);
  let ok: boolean;
  if (family === 'RS') ok = type === 'rsa';
  else if (family === 'PS') ok = type === 'rsa' || type === 'rsa-pss';
  else if (family === 'ES') ok = type === 'ec' && details.namedCurve === EC_CURVE_OF[algorithm];
  else ok = type === 'ed25519';
  if (!ok) {
    const what = type === 'ec' ? `an EC key on curve ${details.namedCurve ?? 'unknown'}` : `a ${type ?? 'non-asymmetric'} key`;
    throw keyError(`is ${what}, which cannot verify ${algorithm}`);
  }
  if ((family === 'RS' || family === 'PS') && (details.modulusLength ?? 0) < 2048) {
    throw keyError(`is an RSA key of ${details.modulusLength ?? 0} bits; ${algorithm} needs at least 2048`);
  }
}

/**
 * Parses and checks the key synchronously (throws ConfigError), then starts the one
 * asynchronous WebCrypto import. The returned promise never rejects unobserved.
 */
export function prepareStaticKey(verifyKey: string, algorithm: JwtAlgorithm): StaticVerificationKey {
  let cryptoKey: Promise<CryptoKey>;
  let kid: string | undefined;
  let secretBytes: number | undefined;
  let fastKey: FastKey;
  if (isHmacAlgorithm(algorithm)) {
    const secret = hmacSecret(verifyKey, algorithm);
    secretBytes = secret.byteLength;
    fastKey = { kind: 'secret', secret: Buffer.from(secret) };
    const hash = HASH_OF[algorithm.slice(2)]!;
    cryptoKey = crypto.subtle.importKey('raw', secret as Uint8Array<ArrayBuffer>, { name: 'HMAC', hash }, false, ['verify']);
  } else {
    const parsed = publicKeyObject(verifyKey, algorithm);
    checkKeyMatchesAlgorithm(parsed.keyObject, algorithm);
    kid = parsed.kid;
    fastKey = { kind: 'public', key: parsed.keyObject };
    const jwk = parsed.keyObject.export({ format: 'jwk' });
    cryptoKey = importJWK({ ...jwk, alg: algorithm }, algorithm) as Promise<CryptoKey>;
  }
  cryptoKey.catch(() => {
    // observed again (and reported) by the first verification
  });
  return { algorithm, kid, secretBytes, cryptoKey, fastKey };
}
