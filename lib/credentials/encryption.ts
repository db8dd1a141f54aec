/**
 * Encryption at rest: AES-256-GCM, a fresh random 12-byte IV per write, the key id in clear
 * in front of the ciphertext (so keys can rotate), and caller-supplied additional
 * authenticated data (the store binds user id, record kind and record id, so a ciphertext
 * copied to another user or record fails authentication instead of decrypting).
 *
 * Stored form: `v1:<keyId>:<base64url iv>:<base64url ciphertext||tag>`.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { ConfigError, type ConfigIssue } from '../config/settings.js';
import { KitError } from '../errors/kit-error.js';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const BASE64_KEY = /^[A-Za-z0-9+/_-]{43}={0,1}$/;

/** One AES-256 key and the id written in front of every ciphertext it makes. */
export interface CredentialsEncryptionKey {
  id: string;
  key: Buffer;
}

const KEY_FORMAT_HELP =
  'each entry is [keyId:]key, where key is 32 bytes as 64 hex characters or base64/base64url ' +
  '(generate one with `openssl rand -base64 32`) and keyId is 1-32 of A-Z a-z 0-9 _ -; ' +
  'separate entries with commas, the first one encrypts';

/** Decodes 32 bytes of key material from hex or base64/base64url; undefined if it is neither. */
function decodeKeyMaterial(text: string): Buffer | undefined {
  if (HEX_KEY.test(text)) return Buffer.from(text, 'hex');
  if (BASE64_KEY.test(text)) {
    const bytes = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length === KEY_BYTES) return bytes;
  }
  return undefined;
}

/** A key id for an entry written without one: a short fingerprint of the key (not reversible). */
function fingerprint(key: Buffer): string {
  return createHash('sha256').update('express-platform-kit credentials key id\0').update(key).digest('hex').slice(0, 8);
}

/**
 * The keys the store encrypts with (the first) and decrypts with (all of them).
 * Build it from `ENCRYPTION_KEY` text with {@link CredentialsKeyRing.parse}.
 */
export class CredentialsKeyRing {
  readonly #keys: Map<string, Buffer>;
  /** Id of the key every new write uses. */
  readonly primaryKeyId: string;

  constructor(keys: readonly CredentialsEncryptionKey[]) {
    if (keys.length === 0) throw new ConfigError([{ variable: 'ENCRYPTION_KEY', message: 'at least one key is required' }], 'credentials settings');
    this.#keys = new Map();
    for (const { id, key } of keys) {
      if (!KEY_ID.test(id) || key.length !== KEY_BYTES || this.#keys.has(id)) {
        throw new ConfigError([{ variable: 'ENCRYPTION_KEY', message: `key '${KEY_ID.test(id) ? id : '?'}' is invalid or repeated: ${KEY_FORMAT_HELP}` }], 'credentials settings');
      }
      this.#keys.set(id, Buffer.from(key));
    }
    this.primaryKeyId = keys[0]!.id;
  }

  /**
   * Parses `ENCRYPTION_KEY` text: `key`, or `kid1:key1,kid2:key2` (first encrypts, all
   * decrypt). Throws one `ConfigError` naming the variable, never echoing a key.
   */
  static parse(text: string | undefined, variable = 'ENCRYPTION_KEY'): CredentialsKeyRing {
    const entries = (text ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
    if (entries.length === 0) {
      throw new ConfigError([{ variable, message: `is required to encrypt stored credentials: ${KEY_FORMAT_HELP}` }], 'credentials settings');
    }
    const issues: ConfigIssue[] = [];
    const keys: CredentialsEncryptionKey[] = [];
    const seen = new Set<string>();
    entries.forEach((entry, index) => {
      const colon = entry.indexOf(':');
      const explicitId = colon >= 0 ? entry.slice(0, colon).trim() : undefined;
      const material = decodeKeyMaterial(colon >= 0 ? entry.slice(colon + 1).trim() : entry);
      if (explicitId !== undefined && !KEY_ID.test(explicitId)) {
        issues.push({ variable, message: `entry ${index + 1}: key id must be 1-32 of A-Z a-z 0-9 _ -` });
        return;
      }
      if (!material) {
        issues.push({ variable, message: `entry ${index + 1}${explicitId ? ` ('${explicitId}')` : ''}: key must be 32 bytes (64 hex characters or 43-44 base64 characters); ${KEY_FORMAT_HELP}` });
        return;
      }
      const id = explicitId ?? fingerprint(material);
      if (seen.has(id)) {
        issues.push({ variable, message: `entry ${index + 1}: key id '${id}' appears twice` });
        return;
      }
      seen.add(id);
      keys.push({ id, key: material });
    });
    if (issues.length > 0) throw new ConfigError(issues, 'credentials settings');
    return new CredentialsKeyRing(keys);
  }

  /** Ids of every key that can decrypt, the encrypting one first. */
  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  /** Encrypts `plaintext` under the primary key, authenticating `aad` with it. */
  encrypt(plaintext: string, aad: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#keys.get(this.primaryKeyId)!, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${VERSION}:${this.primaryKeyId}:${iv.toString('base64url')}:${body.toString('base64url')}`;
  }

  /**
   * Decrypts a value made by {@link encrypt} with the same `aad`. Any damage, a foreign
   * record or a wrong key gives `ERR_CREDENTIALS_DECRYPT`, never garbage. `label` names the
   * record in the message (never a secret).
   */
  decrypt(stored: string, aad: string, label: string): string {
    const parts = typeof stored === 'string' ? stored.split(':') : [];
    const [version, keyId, ivText, bodyText] = parts;
    if (parts.length !== 4 || version !== VERSION || !keyId || ivText === undefined || bodyText === undefined) {
      throw new KitError('ERR_CREDENTIALS_DECRYPT', `Cannot decrypt ${label}: the stored value is not a ${VERSION} ciphertext (damaged, or not written by this store)`);
    }
    const key = this.#keys.get(keyId);
    if (!key) {
      throw new KitError('ERR_CREDENTIALS_DECRYPT', `Cannot decrypt ${label}: it was encrypted with key id '${keyId.slice(0, 32)}', which is not in ENCRYPTION_KEY (known ids: ${this.keyIds.join(', ')}); add that key after the current one to read it`);
    }
    const iv = Buffer.from(ivText, 'base64url');
    const body = Buffer.from(bodyText, 'base64url');
    if (iv.length !== IV_BYTES || body.length < TAG_BYTES) {
      throw new KitError('ERR_CREDENTIALS_DECRYPT', `Cannot decrypt ${label}: the stored value is truncated or damaged`);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch (cause) {
      throw new KitError(
        'ERR_CREDENTIALS_DECRYPT',
        `Cannot decrypt ${label}: authentication failed under key '${keyId}' (the ciphertext was tampered with or copied from another user or record, or that key id now holds a different key)`,
        { cause },
      );
    }
  }

  /** Key id a stored value was written with (`undefined` if it is not a ciphertext). */
  keyIdOf(stored: string): string | undefined {
    const parts = stored.split(':');
    return parts.length === 4 && parts[0] === VERSION ? parts[1] : undefined;
  }

  [inspect.custom](): string {
    return `CredentialsKeyRing(${this.keyIds.join(', ')})`;
  }

  toJSON(): { keyIds: string[] } {
    return { keyIds: this.keyIds };
  }
}
