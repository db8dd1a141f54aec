/**
 * What the store writes: credentials records and OAuth states as AES-256-GCM ciphertexts whose
 * additional data binds (user id, kind, record id), so a value moved elsewhere fails to decrypt.
 */
import { invalidBody, storeError } from './validation.js';
import { KitError } from '../errors/kit-error.js';
import { getLogger } from '../logging/logger.js';
import type { CredentialsKeyRing } from './encryption.js';
import { isSecret } from './secret.js';
import { Credentials, OAuthState } from './types.js';

const log = getLogger('credentials');

/** The plaintext of one credentials record. */
export interface StoredRecord {
  /** Milliseconds since the epoch; `list()` sorts on it. */
  addedAt: number;
  credentials: Credentials;
}

/** JSON with every `Secret` revealed: the one place secrets become plain text, right before encryption. */
function revealForEncryption(value: unknown, what: string): string {
  try {
    return JSON.stringify(value, function replacer(this: Record<string, unknown>, key, masked: unknown) {
      const original = this[key];
      return isSecret(original) ? original.reveal() : masked;
    });
  } catch (cause) {
    // BigInt, a cycle or absurd nesting in `metadata`: the caller's input, so a 400, not a crash.
    throw invalidBody(`Invalid ${what}: metadata must be plain JSON (no BigInt, cycles or extreme nesting)`, 'metadata', 'invalid_json', cause);
  }
}

/** Seals and opens the store's records with one key ring. */
export class RecordCodec {
  readonly #keys: CredentialsKeyRing;
  readonly #maxRecordBytes: number;

  constructor(keys: CredentialsKeyRing, maxRecordBytes: number) {
    this.#keys = keys;
    this.#maxRecordBytes = maxRecordBytes;
  }

  get primaryKeyId(): string {
    return this.#keys.primaryKeyId;
  }

  /** Key id a stored value was written with. */
  keyIdOf(stored: string): string | undefined {
    return this.#keys.keyIdOf(stored);
  }

  #aad(kind: 'credentials' | 'oauth_state', userId: string, id: string): string {
    return JSON.stringify(['express-platform-kit/credentials', 1, kind, userId, id]);
  }

  /** Encrypts one credentials record (secrets revealed only here); over `maxRecordBytes` → `ERR_PAYLOAD_TOO_LARGE`. */
  sealCredentials(userId: string, record: StoredRecord): string {
    const plaintext = revealForEncryption(record, 'credentials');
    const bytes = Buffer.byteLength(plaintext, 'utf8');
    if (bytes > this.#maxRecordBytes) {
      throw storeError('ERR_PAYLOAD_TOO_LARGE', `Credentials record is too large (${bytes} bytes; the limit is ${this.#maxRecordBytes})`);
    }
    return this.#keys.encrypt(plaintext, this.#aad('credentials', userId, record.credentials.id));
  }

  /** Decrypts and validates one record; any damage → `ERR_CREDENTIALS_DECRYPT`. */
  openCredentials(userId: string, id: string, stored: string): StoredRecord {
    const label = `credentials ${JSON.stringify(id.slice(0, 64))}`;
    const plaintext = this.#keys.decrypt(stored, this.#aad('credentials', userId, id), label);
    let raw: { addedAt?: unknown; credentials?: unknown };
    try {
      raw = JSON.parse(plaintext) as typeof raw;
    } catch (cause) {
      throw new KitError('ERR_CREDENTIALS_DECRYPT', `Cannot read ${label}: decrypted, but not JSON`, { cause });
    }
    const credentials = Credentials.safeParse(raw?.credentials);
    if (!credentials.success || credentials.data.id !== id) {
      throw new KitError('ERR_CREDENTIALS_DECRYPT', `Cannot read ${label}: decrypted, but not valid credentials`);
    }
    return { addedAt: typeof raw.addedAt === 'number' ? raw.addedAt : 0, credentials: credentials.data };
  }

  /** Records of the user still under an older key, re-encrypted with the current one. */
  reencryptStale(userId: string, records: ReadonlyMap<string, string>): Map<string, string> {
    const rewrites = new Map<string, string>();
    for (const [id, stored] of records) {
      if (this.#keys.keyIdOf(stored) === this.#keys.primaryKeyId) continue;
      try {
        const aad = this.#aad('credentials', userId, id);
        rewrites.set(id, this.#keys.encrypt(this.#keys.decrypt(stored, aad, 'credentials'), aad));
      } catch (error) {
        // Left as it is: reads keep reporting it; one bad record must not block the user's writes.
        log.warn('credentials record could not be re-encrypted with the current key', { code: (error as KitError).code, credentialsId: id.slice(0, 64) });
      }
    }
    return rewrites;
  }

  /** Encrypts an OAuth state stored under `stateKey`; over `maxRecordBytes` → `ERR_PAYLOAD_TOO_LARGE`. */
  sealState(userId: string, stateKey: string, state: OAuthState): string {
    const plaintext = revealForEncryption(state, 'OAuth state');
    if (Buffer.byteLength(plaintext, 'utf8') > this.#maxRecordBytes) {
      throw storeError('ERR_PAYLOAD_TOO_LARGE', `OAuth state is too large (the limit is ${this.#maxRecordBytes} bytes)`);
    }
    return this.#keys.encrypt(plaintext, this.#aad('oauth_state', userId, stateKey));
  }

  /** Decrypts and validates an OAuth state; any damage → `ERR_CREDENTIALS_DECRYPT`. */
  openState(userId: string, stateKey: string, stored: string): OAuthState {
    const plaintext = this.#keys.decrypt(stored, this.#aad('oauth_state', userId, stateKey), 'OAuth state');
    let parsed: ReturnType<typeof OAuthState.safeParse>;
    try {
      parsed = OAuthState.safeParse(JSON.parse(plaintext));
    } catch (cause) {
      throw new KitError('ERR_CREDENTIALS_DECRYPT', 'Cannot read OAuth state: decrypted, but not JSON', { cause });
    }
    if (!parsed.success) throw new KitError('ERR_CREDENTIALS_DECRYPT', 'Cannot read OAuth state: decrypted, but not a valid state');
    return parsed.data;
  }
}
