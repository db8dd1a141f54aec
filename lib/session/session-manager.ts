/**
 * `SessionManager`: server-side sessions with sliding expiry, in memory or on Redis.
 * Core logic only: no Express here (the middleware lives in middleware.ts).
 */
import { z } from 'zod';
import { parseOptions, type KnownOptions } from '../config/settings.js';
import type { Env } from '../config/env.js';
import { KitError } from '../errors/kit-error.js';
import { DEFAULT_STORE_TIMEOUT_MS, withDeadline } from '../redis/deadline.js';
import { resolveRedis, type RedisClient, type RedisOption } from '../redis/index.js';
import { MemorySessionStore } from './memory-store.js';
import { RedisSessionStore } from './redis-store.js';
import { generateSessionId, parseSessionId, userRefOf } from './session-id.js';
import type { PlatformSession, SessionSecurityIssue, SessionStore, SessionValidation, StoredSessionData } from './types.js';

export interface SessionManagerOptions {
  /**
   * An ioredis `Redis`/`Cluster` or a `redis://` URL; `false` keeps sessions in memory even
   * when `REDIS_URL` is set (the kit-wide way to say "memory"). Default: `REDIS_URL`, else memory.
   */
  redis?: RedisOption | false;
  /** Idle lifetime: a session expires this long after its last successful validation. Default 3600. */
  ttlSeconds?: number;
  /** Prefix of every Redis key (no braces: the hash tag is added by the manager). Default `epk:session:`. */
  keyPrefix?: string;
  /** Memory backend only: most sessions kept (least recently used are evicted). Default 100000. */
  maxSessions?: number;
  /**
   * Deadline of each store call (create, validate, destroy), in ms: a paused or stopped Redis
   * turns into `ERR_STORE_UNAVAILABLE` (503 from `requireSession`) after this, instead of a
   * held request. Default 500 (`DEFAULT_STORE_TIMEOUT_MS`); `0` waits without a deadline.
   */
  storeTimeoutMs?: number;
  /** Environment to read `REDIS_URL` from (tests). Default `process.env` + `.env`. */
  env?: Env;
}

/** What `create()` records with a session. */
export interface CreateSessionInput {
  ip?: string;
  userAgent?: string;
  /** JSON-serialisable data kept with the session (at most 8 KiB as JSON). */
  metadata?: Record<string, unknown>;
}

/** The client details `validate()` compares with those recorded at creation. */
export interface ValidateSessionInput {
  ip?: string;
  userAgent?: string;
}

const optionsSchema = z.object({
  redis: z.custom<RedisOption | false>((value) => value === undefined || value === false || typeof value === 'string' || (typeof value === 'object' && value !== null), { message: 'must be an ioredis client, a redis:// URL or false' }).optional(),
  ttlSeconds: z.number({ message: 'must be a number of seconds' }).int({ message: 'must be an integer' }).min(1, { message: 'must be between 1 and 31536000' }).max(31_536_000, { message: 'must be between 1 and 31536000' }).default(3600),
  keyPrefix: z.string().max(200).refine((value) => !/[{}]/.test(value), { message: 'must not contain { or } (the manager adds the Cluster hash tag)' }).default('epk:session:'),
  maxSessions: z.number().int().min(1).max(100_000_000).default(100_000),
  storeTimeoutMs: z.number({ message: 'must be a number of milliseconds' }).int({ message: 'must be an integer' }).min(0, { message: 'must be between 0 and 60000' }).max(60_000, { message: 'must be between 0 and 60000' }).default(DEFAULT_STORE_TIMEOUT_MS),
  env: z.record(z.string(), z.string().optional()).optional(),
});

const KNOWN: KnownOptions<SessionManagerOptions> = { redis: true, ttlSeconds: true, keyPrefix: true, maxSessions: true, storeTimeoutMs: true, env: true };

const MAX_USER_ID = 512;
const MAX_IP = 100;
const MAX_USER_AGENT = 512;
const MAX_METADATA_BYTES = 8192;

function invalidInput(message: string): KitError {
  return new KitError('ERR_VALIDATION', message);
}

function storeUnavailable(cause: unknown): KitError {
  const timedOut = cause instanceof KitError && cause.code === 'ERR_STORE_UNAVAILABLE';
  return new KitError('ERR_STORE_UNAVAILABLE', timedOut ? `Session store is unavailable: ${cause.message}` : 'Session store is unavailable', { cause });
}

function optionalText(value: unknown, name: string, max: number, truncate: boolean): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw invalidInput(`"${name}" must be a string`);
  if (value.length <= max) return value;
  if (truncate) return value.slice(0, max);
  throw invalidInput(`"${name}" must be at most ${max} characters`);
}

/** Normalises a client detail for comparison (bounded, like the stored value). */
function clientDetail(value: unknown, max: number): string | undefined {
  return typeof value === 'string' && value !== '' ? value.slice(0, max) : undefined;
}

function parseStoredData(text: string): StoredSessionData | null {
  try {
    const data = JSON.parse(text) as StoredSessionData;
    if (typeof data !== 'object' || data === null || typeof data.userId !== 'string') return null;
    return data;
  } catch {
    return null;
  }
}

/**
 * Server-side sessions. Ids are 32 random bytes (base64url, plus a routing suffix for Redis
 * Cluster); stores keep only a SHA-256 of the id. Validation slides the expiry atomically.
 *
 * @example
 * ```ts
 * const sessions = new SessionManager({ ttlSeconds: 1800 })
 * const id = await sessions.create('user-1', { ip: req.ip, userAgent: req.get('user-agent') })
 * const result = await sessions.validate(id, { ip: req.ip })
 * ```
 */
export class SessionManager {
  /** Idle lifetime in seconds. */
  readonly ttlSeconds: number;
  /** Which backend this manager uses. */
  readonly backend: 'memory' | 'redis';
  private readonly store: SessionStore;
  /** 0 for the memory backend: it answers synchronously, a timer per call would only cost. */
  private readonly storeTimeoutMs: number;

  constructor(options: SessionManagerOptions = {}) {
    const parsed = parseOptions(optionsSchema, options, 'SessionManager options', KNOWN);
    this.ttlSeconds = parsed.ttlSeconds;
    const ttlMs = parsed.ttlSeconds * 1000;
    // Expired sessions are remembered a little longer so clients learn "expired", not "not found".
    const graceMs = Math.min(ttlMs, 300_000);
    const client: RedisClient | null = resolveRedis(parsed.redis, parsed.env);
    this.store = client
      ? new RedisSessionStore(client, { ttlMs, graceMs, keyPrefix: parsed.keyPrefix })
      : new MemorySessionStore({ ttlMs, graceMs, maxSessions: parsed.maxSessions });
    this.backend = this.store.kind;
    this.storeTimeoutMs = this.backend === 'redis' ? parsed.storeTimeoutMs : 0;
  }

  /** Every store call goes through here: one deadline, and every failure is `ERR_STORE_UNAVAILABLE`. */
  private async storeCall<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await withDeadline(call(), this.storeTimeoutMs, what);
    } catch (error) {
      throw storeUnavailable(error);
    }
  }

  /** Creates a session for `userId` and returns its id (give it to the client, e.g. with `setSessionCookie`). */
  async create(userId: string, input: CreateSessionInput = {}): Promise<string> {
    if (typeof userId !== 'string' || userId === '' || userId.length > MAX_USER_ID) {
      throw invalidInput(`"userId" must be a non-empty string of at most ${MAX_USER_ID} characters`);
    }
    const metadata = input.metadata ?? {};
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) throw invalidInput('"metadata" must be a plain object');
    const data: StoredSessionData = {
      userId,
      ip: optionalText(input.ip, 'ip', MAX_IP, false),
      userAgent: optionalText(input.userAgent, 'userAgent', MAX_USER_AGENT, true),
      metadata,
    };
    let metadataJson: string;
    try {
      metadataJson = JSON.stringify(metadata);
    } catch (error) {
      throw new KitError('ERR_VALIDATION', '"metadata" must be JSON-serialisable', { cause: error });
    }
    if (Buffer.byteLength(metadataJson) > MAX_METADATA_BYTES) throw invalidInput(`"metadata" must be at most ${MAX_METADATA_BYTES} bytes as JSON`);
    const json = JSON.stringify(data);
    const user = userRefOf(userId);
    const id = generateSessionId(user.bucket);
    const ref = parseSessionId(id);
    if (!ref) throw new KitError('ERR_INTERNAL', 'generated session id did not parse');
    await this.storeCall('session creation', () => this.store.create(ref, user, json));
    return id;
  }

  /**
   * Validates a session id from an untrusted client and slides its expiry. Malformed ids give
   * `validation_error` without touching the store. Rejects with `ERR_STORE_UNAVAILABLE` when
   * the backend cannot be reached (an outage is not the client's fault: answer 503, not 401).
   */
  async validate(id: unknown, input: ValidateSessionInput = {}): Promise<SessionValidation> {
    const ref = parseSessionId(id);
    if (!ref) return { valid: false, reason: 'validation_error' };
    const result = await this.storeCall('session validation', () => this.store.touch(ref));
    if (result.state === 'missing') return { valid: false, reason: 'session_not_found' };
    if (result.state === 'expired') return { valid: false, reason: 'session_expired' };
    const data = parseStoredData(result.data);
    if (!data) return { valid: false, reason: 'validation_error' };
    const session: PlatformSession = {
      userId: data.userId,
      createdAt: result.createdAt,
      lastSeenAt: result.lastSeenAt,
      expiresAt: result.expiresAt,
      ...(data.ip === undefined ? {} : { ip: data.ip }),
      ...(data.userAgent === undefined ? {} : { userAgent: data.userAgent }),
      metadata: data.metadata ?? {},
    };
    const securityIssues: SessionSecurityIssue[] = [];
    const ip = clientDetail(input.ip, MAX_IP);
    const userAgent = clientDetail(input.userAgent, MAX_USER_AGENT);
    if (ip !== undefined && data.ip !== undefined && ip !== data.ip) securityIssues.push('ip_change');
    if (userAgent !== undefined && data.userAgent !== undefined && userAgent !== data.userAgent) securityIssues.push('user_agent_change');
    return { valid: true, session, securityIssues };
  }

  /** Destroys one session (logout). Returns whether it existed. Malformed ids return false. */
  async destroy(id: unknown): Promise<boolean> {
    const ref = parseSessionId(id);
    if (!ref) return false;
    return this.storeCall('session removal', () => this.store.destroy(ref));
  }

  /** Destroys every session of a user (logout everywhere, password change). Returns how many live ones were removed. */
  async destroyAllForUser(userId: string): Promise<number> {
    if (typeof userId !== 'string' || userId === '' || userId.length > MAX_USER_ID) return 0;
    return this.storeCall('removal of the user\'s sessions', () => this.store.destroyUser(userRefOf(userId)));
  }
}
