/**
 * API key generation and verification, byte-compatible with the Python
 * `APIKeySmith`: key = prefix + base64url(32 random bytes); head/tail = first/last 8
 * characters; hash = scrypt(key, salt, N=2^14, r=8, p=1, 32 bytes) as hex with the salt
 * 32 random bytes, stored as hex and used *decoded* (Python's `bytes.fromhex`); legacy
 * hashes are unsalted SHA-256 hex.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { createHashLimiter, DEFAULT_HASH_LIMITS, sharedHashLimiter, type HashLimiter } from './hash-limiter.js';
import { parseManagerOptions, type APIKeyManagerOptions } from './settings.js';
import { createVerifiedKeys, type VerifiedKeys } from './verified-keys.js';

/** What `generate()` returns: show `key` to the user once, store the rest. */
export interface GeneratedAPIKey {
  /** The full key; never store it. */
  key: string;
  /** First 8 characters (lookup index, safe to display). */
  head: string;
  /** Last 8 characters (safe to display). */
  tail: string;
  /** scrypt hash, 64 hex characters. */
  hash: string;
  /** Salt, 64 hex characters. */
  salt: string;
}

/** Length of a key's head, the lookup index (`key.slice(0, 8)`). */
export const API_KEY_HEAD_LENGTH = 8;
/** Length of a key's tail, shown to users to recognise their keys. */
export const API_KEY_TAIL_LENGTH = 8;
const RANDOM_BYTES = 32;
const HASH_BYTES = 32;
/** Keys longer than this are rejected before any hashing (no unbounded work per request). */
export const API_KEY_MAX_LENGTH = 512;
// N=2^14, r=8 needs 128*N*r = 16 MiB; maxmem leaves room so Node never refuses the call.
const SCRYPT_OPTIONS: ScryptOptions = { N: 16_384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const HEX_HASH = /^[0-9a-fA-F]{64}$/;
const HEX_SALT = /^(?:[0-9a-fA-F]{2}){1,256}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

function scryptHex(key: string, salt: Buffer): Promise<Buffer> {
  // The async API runs on libuv's thread pool: verification never blocks the event loop.
  return new Promise((resolve, reject) => {
    scrypt(key, salt, HASH_BYTES, SCRYPT_OPTIONS, (error, derived) => (error ? reject(error) : resolve(derived)));
  });
}

/**
 * Generates, hashes and verifies API keys.
 *
 * @example
 * ```ts
 * const keys = new APIKeyManager()
 * const { key, head, tail, hash, salt } = await keys.generate() // show `key` once, store the rest
 * await keys.verify(key, hash, salt) // true
 * ```
 */
export class APIKeyManager {
  /** The prefix every key starts with. */
  readonly prefix: string;
  readonly #limiter: HashLimiter;
  readonly #verified: VerifiedKeys;

  constructor(options: APIKeyManagerOptions = {}) {
    const parsed = parseManagerOptions(options, DEFAULT_HASH_LIMITS);
    this.prefix = parsed.prefix;
    this.#limiter = parsed.limits ? createHashLimiter(parsed.limits) : sharedHashLimiter();
    this.#verified = createVerifiedKeys(parsed.verifiedCacheMaxEntries, parsed.verifiedCacheTtlMs);
  }

  /** One scrypt, within the bound on concurrent hashing (rejects with `ERR_API_KEY_BUSY`). */
  #scrypt(key: string, salt: Buffer): Promise<Buffer> {
    return this.#limiter.run(() => scryptHex(key, salt));
  }

  /** A new random key with its head, tail, salted scrypt hash and salt. */
  async generate(): Promise<GeneratedAPIKey> {
    const key = this.newKey();
    const { hash, salt } = await this.hash(key);
    return { key, head: this.head(key), tail: this.tail(key), hash, salt };
  }

  /** Only the random key (prefix + base64url of 32 random bytes), not hashed yet. */
  newKey(): string {
    return `${this.prefix}${randomBytes(RANDOM_BYTES).toString('base64url')}`;
  }

  /**
   * Hashes an existing key with a fresh salt (re-hashing a legacy key on first use).
   * Throws a TypeError (without the key) when the key lacks the prefix.
   */
  async hash(key: string): Promise<{ hash: string; salt: string }> {
    if (!this.isPlausible(key)) {
      throw new TypeError(`API key must be "${this.prefix}" followed by 16 to ${API_KEY_MAX_LENGTH} base64url characters`);
    }
    const salt = randomBytes(RANDOM_BYTES);
    return { hash: (await this.#scrypt(key, salt)).toString('hex'), salt: salt.toString('hex') };
  }

  /**
   * Checks `key` against a stored hash in constant time. With a salt: scrypt; without one
   * (`undefined`, `null`, `''`): the legacy unsalted SHA-256 hex hash. Malformed input of
   * any kind (wrong prefix, too long, non-hex hash or salt) gives false, never a throw.
   * A successful scrypt check is remembered for `verifiedCacheTtlMs` (same key, hash and
   * salt: no second scrypt). Rejects with a `KitError` `ERR_API_KEY_BUSY` when the bound on
   * concurrent hashing is reached and no slot frees within `hashQueueTimeoutMs`.
   */
  async verify(key: string, hash: string, salt?: string | null): Promise<boolean> {
    // The format is checked before hashing: scrypt (PBKDF2-HMAC inside) pads a short password
    // with zero bytes, so `key + '\0'` would hash like `key`. Only prefix + base64url passes.
    if (!this.isPlausible(key)) return false;
    if (typeof hash !== 'string' || !HEX_HASH.test(hash)) return false;
    const expected = Buffer.from(hash, 'hex');
    let actual: Buffer;
    if (this.needsRehash(salt)) {
      if (salt !== undefined && salt !== null && salt !== '') return false;
      actual = createHash('sha256').update(key, 'utf8').digest();
    } else {
      if (!HEX_SALT.test(salt as string)) return false;
      if (this.#verified.has(key, hash, salt as string)) return true;
      actual = await this.#scrypt(key, Buffer.from(salt as string, 'hex'));
      const matches = actual.length === expected.length && timingSafeEqual(actual, expected);
      if (matches) this.#verified.add(key, hash, salt as string);
      return matches;
    }
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }

  /** True when a stored key has no salt: a legacy SHA-256 hash to replace with `hash(key)`. */
  needsRehash(salt?: string | null): boolean {
    return typeof salt !== 'string' || salt === '';
  }

  /** `agpt_w61…9Ktg7wyM`: head and tail around an ellipsis; short or foreign values fully masked. */
  mask(key: string): string {
    if (typeof key !== 'string' || key.length < API_KEY_HEAD_LENGTH + API_KEY_TAIL_LENGTH + 16) return '********';
    return `${this.head(key)}…${this.tail(key)}`;
  }

  /** True for a key in the current format: the prefix then 43 base64url characters (32 bytes). */
  validateFormat(key: string): boolean {
    if (typeof key !== 'string' || !key.startsWith(this.prefix)) return false;
    const body = key.slice(this.prefix.length);
    return body.length === 43 && BASE64URL.test(body);
  }

  /** First 8 characters: the lookup index stored beside the hash. */
  head(key: string): string {
    return key.slice(0, API_KEY_HEAD_LENGTH);
  }

  /** Last 8 characters, for display. */
  tail(key: string): string {
    return key.slice(-API_KEY_TAIL_LENGTH);
  }

  /**
   * Loose check used before a lookup: the prefix, then 16 to 512 base64url characters.
   * Looser than `validateFormat` so keys issued in older formats still reach verification.
   */
  isPlausible(key: string): boolean {
    if (typeof key !== 'string' || !key.startsWith(this.prefix) || key.length > API_KEY_MAX_LENGTH) return false;
    const body = key.slice(this.prefix.length);
    return body.length >= 16 && BASE64URL.test(body);
  }
}
