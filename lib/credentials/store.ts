import { createHash } from 'node:crypto';
import { KitError } from '../errors/kit-error.js';
import { resolveRedis } from '../redis/index.js';
import { MemoryCredentialsBackend, RedisCredentialsBackend, type CredentialsBackend } from './backends.js';
import { CredentialsKeyRing } from './encryption.js';
import { defaultCredentialsMutex } from './mutex.js';
import { constantTimeEquals, pkceChallenge, randomUrlToken } from './oauth-state.js';
import { RecordCodec } from './records.js';
import {
  loadCredentialsSettings, parseCredentialsStoreOptions, type CredentialsMutex, type IntegrationCredentialsStoreOptions,
} from './settings.js';
import { Credentials, OAuthState, type CredentialsInput } from './types.js';
import { checkUserId, explainLockFailure, invalid, invalidBody, storeError } from './validation.js';

const MAX_TOKEN_LENGTH = 256;

/** What `storeOAuthState` hands back: put `token` in `state`, `codeChallenge` in the authorize URL. */
export interface StoredOAuthState {
  /** The `state` parameter of the authorization request. */
  token: string;
  /** PKCE verifier: send it with the code exchange (also returned by `verifyOAuthState`). */
  codeVerifier: string;
  /** base64url(sha256(codeVerifier)): the `code_challenge` parameter. */
  codeChallenge: string;
  codeChallengeMethod: 'S256';
  /** Unix time (seconds) after which the state is refused. */
  expiresAt: number;
}

export interface StoreOAuthStateOptions {
  callbackUrl?: string;
  metadata?: Record<string, unknown>;
}

interface Change<T> {
  set: ReadonlyMap<string, string>;
  remove: readonly string[];
  result: T;
}

const sha256hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * Per-user integration credentials and pending OAuth states, encrypted at rest
 * (AES-256-GCM, key ids for rotation), on Redis or in memory. Every read-modify-write runs
 * under the user's keyed mutex; OAuth states are single use.
 *
 * @example
 * ```ts
 * const store = new IntegrationCredentialsStore({ redis: process.env.REDIS_URL })
 * const saved = await store.add(userId, { type: 'api_key', provider: 'openai', apiKey: key })
 * const creds = await store.get(userId, saved.id)
 * ```
 */
export class IntegrationCredentialsStore {
  readonly #backend: CredentialsBackend;
  readonly #codec: RecordCodec;
  readonly #mutex: CredentialsMutex;
  readonly #prefix: string;
  readonly #stateTtlMs: number;
  readonly #maxPerUser: number;
  /** `'redis'` or `'memory'`. */
  readonly backend: 'redis' | 'memory';

  constructor(options: IntegrationCredentialsStoreOptions = {}) {
    const parsed = parseCredentialsStoreOptions(options);
    const keys =
      parsed.encryptionKey instanceof CredentialsKeyRing
        ? parsed.encryptionKey
        : parsed.encryptionKey !== undefined
          ? CredentialsKeyRing.parse(parsed.encryptionKey, 'encryptionKey')
          : loadCredentialsSettings(parsed.env).keyRing;
    const redis = parsed.redis === false ? null : resolveRedis(parsed.redis, parsed.env);
    this.backend = redis ? 'redis' : 'memory';
    this.#backend = redis ? new RedisCredentialsBackend(redis) : new MemoryCredentialsBackend();
    this.#mutex = parsed.mutex ?? defaultCredentialsMutex(redis);
    this.#prefix = parsed.keyPrefix;
    this.#stateTtlMs = parsed.oauthStateTtlMs;
    this.#maxPerUser = parsed.maxCredentialsPerUser;
    this.#codec = new RecordCodec(keys, parsed.maxRecordBytes);
  }

  /** Redis hash-tag part shared by all of a user's keys: a hash of the id, so any id is Cluster-safe. */
  #tag(userId: string): string {
    return `{${this.#userHash(userId)}}`;
  }

  #userHash(userId: string): string {
    return sha256hex(`epk-credentials-user\0${userId}`).slice(0, 32);
  }

  #credentialsKey(userId: string): string {
    return `${this.#prefix}${this.#tag(userId)}:creds`;
  }

  /**
   * One read-modify-write of a user's records under the user's lock: reads every record,
   * lets `plan` decide what to set and remove, re-encrypts records still under an older key,
   * and writes it all in one atomic step, unless the lock was lost meanwhile.
   */
  async #modify<T>(userId: string, plan: (records: ReadonlyMap<string, string>) => Change<T>, onRewritten?: (count: number) => void): Promise<T> {
    const key = this.#credentialsKey(userId);
    try {
      return await this.#mutex.withLock(`credentials:${this.#userHash(userId)}`, async (signal) => {
        const records = await this.#backend.readAll(key);
        const change = plan(records);
        const set = this.#codec.reencryptStale(userId, records);
        onRewritten?.(set.size);
        for (const id of change.remove) set.delete(id);
        for (const [id, value] of change.set) set.set(id, value);
        if (signal.aborted) {
          throw signal.reason instanceof Error ? signal.reason : new KitError('ERR_LOCK_LOST', 'Lost the credentials lock of this user before writing; nothing was written');
        }
        await this.#backend.write(key, set, change.remove);
        return change.result;
      });
    } catch (error) {
      throw explainLockFailure(error);
    }
  }

  #parseInput(credentials: unknown): Credentials {
    const parsed = Credentials.safeParse(credentials);
    if (!parsed.success) throw invalid(parsed.error, 'credentials');
    return parsed.data;
  }

  /**
   * Adds credentials for `userId` and returns them as stored (with a generated `id` when none
   * was given). Invalid credentials → `ERR_VALIDATION`; an existing id or a full user →
   * `ERR_CREDENTIALS_CONFLICT`; a record over `maxRecordBytes` → `ERR_PAYLOAD_TOO_LARGE`
   * (errorHandler answers 400, 409 and 413).
   */
  async add(userId: string, credentials: CredentialsInput | Credentials): Promise<Credentials> {
    checkUserId(userId);
    const parsed = this.#parseInput(credentials);
    const encrypted = this.#codec.sealCredentials(userId, { addedAt: Date.now(), credentials: parsed });
    return this.#modify(userId, (records) => {
      if (records.has(parsed.id)) {
        throw storeError('ERR_CREDENTIALS_CONFLICT', `Credentials with id ${JSON.stringify(parsed.id.slice(0, 64))} already exist for this user`);
      }
      if (records.size >= this.#maxPerUser) {
        throw storeError('ERR_CREDENTIALS_CONFLICT', `This user already has the maximum of ${this.#maxPerUser} credentials`);
      }
      return { set: new Map([[parsed.id, encrypted]]), remove: [], result: parsed };
    });
  }

  /** Every credentials record of `userId`, oldest first. A damaged record → `ERR_CREDENTIALS_DECRYPT`. */
  async list(userId: string): Promise<Credentials[]> {
    checkUserId(userId);
    const records = await this.#backend.readAll(this.#credentialsKey(userId));
    return [...records]
      .map(([id, stored]) => this.#codec.openCredentials(userId, id, stored))
      .sort((a, b) => a.addedAt - b.addedAt || (a.credentials.id < b.credentials.id ? -1 : 1))
      .map((record) => record.credentials);
  }

  /** The credentials of `userId` with id `credentialsId`, or null. */
  async get(userId: string, credentialsId: string): Promise<Credentials | null> {
    checkUserId(userId);
    if (typeof credentialsId !== 'string' || credentialsId === '') return null;
    const stored = await this.#backend.readOne(this.#credentialsKey(userId), credentialsId);
    return stored === null ? null : this.#codec.openCredentials(userId, credentialsId, stored).credentials;
  }

  /** The user's credentials for one provider, oldest first. */
  async listByProvider(userId: string, provider: string): Promise<Credentials[]> {
    return (await this.list(userId)).filter((credentials) => credentials.provider === provider);
  }

  /**
   * Replaces the stored credentials with the same `id`. Unknown id →
   * `ERR_CREDENTIALS_NOT_FOUND` (404); a different `type`, or OAuth2 scopes that drop a stored
   * scope (scopes may only grow) → `ERR_VALIDATION` (400).
   */
  async update(userId: string, credentials: Credentials | CredentialsInput): Promise<Credentials> {
    checkUserId(userId);
    const updated = this.#parseInput(credentials);
    return this.#modify(userId, (records) => {
      const stored = records.get(updated.id);
      if (stored === undefined) {
        throw storeError('ERR_CREDENTIALS_NOT_FOUND', `Credentials with id ${JSON.stringify(updated.id.slice(0, 64))} not found for this user`);
      }
      const current = this.#codec.openCredentials(userId, updated.id, stored);
      if (current.credentials.type !== updated.type) {
        throw invalidBody(`Cannot change credentials from type '${current.credentials.type}' to '${updated.type}'`, 'type', 'type_change');
      }
      if (current.credentials.type === 'oauth2' && updated.type === 'oauth2') {
        const kept = new Set(updated.scopes);
        const dropped = current.credentials.scopes.filter((scope) => !kept.has(scope));
        if (dropped.length > 0) {
          throw invalidBody(`Cannot narrow the scopes of OAuth2 credentials (would drop: ${dropped.slice(0, 10).join(', ')})`, 'scopes', 'scopes_narrowed');
        }
      }
      const encrypted = this.#codec.sealCredentials(userId, { addedAt: current.addedAt, credentials: updated });
      return { set: new Map([[updated.id, encrypted]]), remove: [], result: updated };
    });
  }

  /** Deletes credentials; true if they existed. */
  async delete(userId: string, credentialsId: string): Promise<boolean> {
    checkUserId(userId);
    if (typeof credentialsId !== 'string' || credentialsId === '') return false;
    return this.#modify(userId, (records) =>
      records.has(credentialsId) ? { set: new Map(), remove: [credentialsId], result: true } : { set: new Map(), remove: [], result: false },
    );
  }

  /** Re-encrypts every record of `userId` still under an older key; returns how many were rewritten. */
  async reencrypt(userId: string): Promise<number> {
    checkUserId(userId);
    let rewritten = 0;
    await this.#modify(userId, () => ({ set: new Map(), remove: [], result: undefined }), (count) => (rewritten = count));
    return rewritten;
  }

  #stateKey(userId: string, provider: string, token: string): string {
    // The key names a hash of (provider, token): a state is found only with the right user,
    // provider and token, and the token itself never appears in Redis.
    return `${this.#prefix}${this.#tag(userId)}:oauth:${sha256hex(`${provider}\0${token}`)}`;
  }

  /**
   * Creates a single-use OAuth `state` for `userId` and `provider`, with a PKCE verifier,
   * stored once (encrypted) for `oauthStateTtlMs` (10 minutes by default).
   *
   * @example
   * ```ts
   * const { token, codeChallenge } = await store.storeOAuthState(userId, 'github', ['repo'])
   * res.redirect(`${authorizeUrl}?state=${token}&code_challenge=${codeChallenge}&code_challenge_method=S256`)
   * ```
   */
  async storeOAuthState(userId: string, provider: string, scopes: string[], options: StoreOAuthStateOptions = {}): Promise<StoredOAuthState> {
    checkUserId(userId);
    const token = randomUrlToken();
    const codeVerifier = randomUrlToken();
    const parsed = OAuthState.safeParse({
      token, provider, scopes, codeVerifier,
      expiresAt: (Date.now() + this.#stateTtlMs) / 1000,
      callbackUrl: options.callbackUrl,
      metadata: options.metadata,
    });
    if (!parsed.success) throw invalid(parsed.error, 'OAuth state');
    const state = parsed.data;
    const stateKey = this.#stateKey(userId, provider, token);
    await this.#backend.putState(stateKey, this.#codec.sealState(userId, stateKey, state), this.#stateTtlMs);
    return { token, codeVerifier, codeChallenge: pkceChallenge(codeVerifier), codeChallengeMethod: 'S256', expiresAt: state.expiresAt };
  }

  /**
   * Consumes the OAuth state `token` of `userId` for `provider`: returns the state (with its
   * `codeVerifier` and scopes) the first time, null ever after, and null when it expired or
   * belongs to another user or provider. Atomic: two racing callbacks cannot both succeed.
   */
  async verifyOAuthState(userId: string, token: string, provider: string): Promise<OAuthState | null> {
    checkUserId(userId);
    if (typeof token !== 'string' || token === '' || token.length > MAX_TOKEN_LENGTH || typeof provider !== 'string' || provider === '') return null;
    const stateKey = this.#stateKey(userId, provider, token);
    const stored = await this.#backend.takeState(stateKey);
    if (stored === null) return null;
    const state = this.#codec.openState(userId, stateKey, stored);
    const valid = constantTimeEquals(state.token, token) && state.provider === provider && state.expiresAt * 1000 > Date.now();
    return valid ? state : null;
  }
}
