/**
 * Where encrypted records live. Backends only ever see ciphertext and hashed key names; the
 * store encrypts before writing and decrypts after reading.
 */
import { KitError } from '../errors/kit-error.js';
import { DEFAULT_STORE_TIMEOUT_MS, withDeadline } from '../redis/deadline.js';
import type { RedisClient } from '../redis/index.js';

/** Storage boundary of {@link IntegrationCredentialsStore}; values are ciphertexts. */
export interface CredentialsBackend {
  /** Every credentials record of one user: id → ciphertext. */
  readAll(userKey: string): Promise<Map<string, string>>;
  /** One credentials record, or null. */
  readOne(userKey: string, id: string): Promise<string | null>;
  /** Sets and deletes records of one user in one atomic step. */
  write(userKey: string, set: ReadonlyMap<string, string>, remove: readonly string[]): Promise<void>;
  /** Stores a pending OAuth state that disappears after `ttlMs`. */
  putState(stateKey: string, value: string, ttlMs: number): Promise<void>;
  /** Returns and deletes a pending OAuth state atomically (single use), or null. */
  takeState(stateKey: string): Promise<string | null>;
}

/**
 * One Redis call of the store, with a deadline (a paused Redis must not hold the request):
 * any failure is `ERR_STORE_UNAVAILABLE` (errorHandler answers 503).
 */
async function guarded<T>(what: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await withDeadline(operation(), DEFAULT_STORE_TIMEOUT_MS, `credentials ${what}`);
  } catch (error) {
    throw new KitError('ERR_STORE_UNAVAILABLE', 'The credentials store is unavailable (Redis did not answer)', { cause: error });
  }
}

// GET then DEL in one script: no other client can read the state between the two, so a state
// is handed out once even when two callbacks race (GETDEL needs Redis 6.2; this runs anywhere).
const TAKE_STATE_LUA = `
local value = redis.call('GET', KEYS[1])
if value then redis.call('DEL', KEYS[1]) end
return value
`;

type WithTakeState = RedisClient & { epkCredentialsTakeState(key: string): Promise<string | null> };

/** Redis layout: one hash per user (field = credentials id), one key per pending OAuth state. */
export class RedisCredentialsBackend implements CredentialsBackend {
  readonly #redis: WithTakeState;

  constructor(redis: RedisClient) {
    if (typeof (redis as unknown as Partial<WithTakeState>).epkCredentialsTakeState !== 'function') {
      redis.defineCommand('epkCredentialsTakeState', { numberOfKeys: 1, lua: TAKE_STATE_LUA });
    }
    this.#redis = redis as WithTakeState;
  }

  readAll(userKey: string): Promise<Map<string, string>> {
    return guarded('read', async () => new Map(Object.entries(await this.#redis.hgetall(userKey))));
  }

  readOne(userKey: string, id: string): Promise<string | null> {
    return guarded('read', () => this.#redis.hget(userKey, id));
  }

  write(userKey: string, set: ReadonlyMap<string, string>, remove: readonly string[]): Promise<void> {
    if (set.size === 0 && remove.length === 0) return Promise.resolve();
    return guarded('write', async () => {
      // One key, so MULTI is fine on a Cluster too.
      const multi = this.#redis.multi();
      if (remove.length > 0) multi.hdel(userKey, ...remove);
      if (set.size > 0) multi.hset(userKey, Object.fromEntries(set));
      const results = await multi.exec();
      const failed = results?.find(([error]) => error);
      if (!results || failed) throw failed?.[0] ?? new Error('transaction aborted');
    });
  }

  putState(stateKey: string, value: string, ttlMs: number): Promise<void> {
    return guarded('OAuth state write', async () => {
      await this.#redis.set(stateKey, value, 'PX', ttlMs);
    });
  }

  takeState(stateKey: string): Promise<string | null> {
    return guarded('OAuth state read', () => this.#redis.epkCredentialsTakeState(stateKey));
  }
}

/**
 * In-process backend (no Redis): same behaviour, one process only. Holds ciphertext too, so a
 * heap dump shows no credentials.
 */
export class MemoryCredentialsBackend implements CredentialsBackend {
  readonly #users = new Map<string, Map<string, string>>();
  readonly #states = new Map<string, { value: string; expiresAtMs: number }>();
  readonly #maxStates: number;

  constructor({ maxPendingStates = 10_000 }: { maxPendingStates?: number } = {}) {
    this.#maxStates = maxPendingStates;
  }

  async readAll(userKey: string): Promise<Map<string, string>> {
    return new Map(this.#users.get(userKey) ?? []);
  }

  async readOne(userKey: string, id: string): Promise<string | null> {
    return this.#users.get(userKey)?.get(id) ?? null;
  }

  async write(userKey: string, set: ReadonlyMap<string, string>, remove: readonly string[]): Promise<void> {
    const records = this.#users.get(userKey) ?? new Map<string, string>();
    for (const id of remove) records.delete(id);
    for (const [id, value] of set) records.set(id, value);
    if (records.size === 0) this.#users.delete(userKey);
    else this.#users.set(userKey, records);
  }

  async putState(stateKey: string, value: string, ttlMs: number): Promise<void> {
    const now = Date.now();
    if (this.#states.size >= this.#maxStates) {
      for (const [key, state] of this.#states) if (state.expiresAtMs <= now) this.#states.delete(key);
      // Still full: forget the oldest pending states (insertion order) rather than grow without bound.
      for (const key of this.#states.keys()) {
        if (this.#states.size < this.#maxStates) break;
        this.#states.delete(key);
      }
    }
    this.#states.set(stateKey, { value, expiresAtMs: now + ttlMs });
  }

  async takeState(stateKey: string): Promise<string | null> {
    const state = this.#states.get(stateKey);
    if (!state) return null;
    this.#states.delete(stateKey);
    return state.expiresAtMs > Date.now() ? state.value : null;
  }
}
