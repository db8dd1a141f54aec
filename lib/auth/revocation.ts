/**
 * A Redis revocation list: revoke one token by `jti` (kept until its `exp`), or every token
 * of a user issued up to an instant (a per-user "not before"). Checked after verification,
 * with a local cache of what Redis said, so a request whose user and token were looked up
 * less than `maxStalenessMs` ago costs no round trip; a miss costs one (both keys share the
 * user's hash slot, so one MGET, in a Cluster too). A revocation reaches every process within
 * `maxStalenessMs`; the revoking process sees it at once.
 */
import type { Request } from 'express';
import type { JWTPayload } from 'jose';
import { z } from 'zod';
import { ConfigError, parseOptions } from '../config/settings.js';
import { KitError } from '../errors/kit-error.js';
import { DEFAULT_STORE_TIMEOUT_MS, withDeadline } from '../redis/deadline.js';
import { resolveRedis, type RedisClient, type RedisOption } from '../redis/index.js';

/** Options of {@link createRedisRevocationList}. */
export interface RedisRevocationListOptions {
  /** ioredis client or `redis://` URL; default `REDIS_URL`. */
  redis?: RedisOption;
  /** Key prefix (no `{` or `}`: they would break the hash tag). Default `epk:revoked:`. */
  prefix?: string;
  /** How old a cached answer may be before Redis is asked again (the propagation bound). Default 5000; 0 = every request. */
  maxStalenessMs?: number;
  /** Deadline of one Redis wait. Default 500 (`DEFAULT_STORE_TIMEOUT_MS`). */
  timeoutMs?: number;
  /** How long a user's "not before" is kept: at least your longest token lifetime. Default 604800 (7 days). */
  userRecordTtlSeconds?: number;
  /** Kept for tokens without `exp` revoked by `jti`. Default 604800 (7 days). */
  tokenRecordTtlSeconds?: number;
  /** Users and tokens remembered locally (oldest forgotten first). Default 100000. */
  maxCachedEntries?: number;
}

/** The list: revoke, and the `isRevoked` hook for the auth middlewares. */
export interface RevocationList {
  /** Revokes one token (its payload, or `{ jti, exp?, sub? }`) until its `exp`. */
  revokeToken(token: Pick<JWTPayload, 'jti' | 'exp' | 'sub'>): Promise<void>;
  /** Revokes every token of `sub` issued at or before `before` (default now): "log out everywhere". */
  revokeUser(sub: string, before?: Date): Promise<void>;
  /** True when the verified payload is revoked. Pass as the `isRevoked` option. Rejects with `ERR_STORE_UNAVAILABLE`. */
  isRevoked(payload: JWTPayload, req?: Request): Promise<boolean>;
}

const optionsSchema = z
  .object({
    redis: z.unknown().optional(),
    prefix: z.string().min(1).max(100).regex(/^[^{}]*$/, 'must not contain { or }').default('epk:revoked:'),
    maxStalenessMs: z.number().int().min(0).max(300_000).default(5_000),
    timeoutMs: z.number().int().min(1).max(60_000).default(DEFAULT_STORE_TIMEOUT_MS),
    userRecordTtlSeconds: z.number().int().min(60).max(31_536_000).default(604_800),
    tokenRecordTtlSeconds: z.number().int().min(60).max(31_536_000).default(604_800),
    maxCachedEntries: z.number().int().min(1).max(10_000_000).default(100_000),
  })
  .strict();

// Raise the user's "not before", never lower it (two admins revoking concurrently keep the later).
const RAISE_NOT_BEFORE = `local current = tonumber(redis.call('GET', KEYS[1]) or '-1')
if current < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) else redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return 1`;

interface Cached<T> {
  value: T;
  atMs: number;
}

/** A bounded map, oldest insertion forgotten first. */
class BoundedCache<T> {
  readonly #entries = new Map<string, Cached<T>>();
  constructor(readonly max: number) {}
  get(key: string): Cached<T> | undefined {
    return this.#entries.get(key);
  }
  set(key: string, value: T, atMs: number): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, atMs });
    if (this.#entries.size > this.max) this.#entries.delete(this.#entries.keys().next().value!);
  }
}

function storeError(cause: unknown): KitError {
  if (cause instanceof KitError) return cause;
  return new KitError('ERR_STORE_UNAVAILABLE', 'The revocation list is unavailable (Redis did not answer)', { cause });
}

/**
 * Creates the Redis revocation list. Throws `ConfigError` for bad options or no Redis.
 *
 * @example
 * ```ts
 * const revocations = createRedisRevocationList({ redis: process.env.REDIS_URL })
 * app.use('/api', requireUser({ isRevoked: revocations.isRevoked }))
 * await revocations.revokeUser(userId) // log out everywhere
 * ```
 */
export function createRedisRevocationList(options: RedisRevocationListOptions = {}): RevocationList {
  const o = parseOptions(optionsSchema, options, 'revocation list options');
  const redis: RedisClient | null = resolveRedis(options.redis as RedisOption | undefined, undefined, 'redis');
  if (redis === null) throw new ConfigError([{ variable: 'redis', message: 'a Redis client or redis:// URL is required (or set REDIS_URL)' }], 'revocation list options');
  // Both keys of a user carry its hash tag: one MGET, in a Cluster too.
  const userKey = (sub: string) => `${o.prefix}{${sub}}:nbf`;
  const tokenKey = (jti: string, sub: string | undefined) => (sub === undefined ? `${o.prefix}jti:${jti}` : `${o.prefix}{${sub}}:jti:${jti}`);
  const users = new BoundedCache<number | null>(o.maxCachedEntries);
  const tokens = new BoundedCache<boolean>(o.maxCachedEntries);
  const fresh = (entry: Cached<unknown> | undefined, now: number) => entry !== undefined && now - entry.atMs < o.maxStalenessMs;
  const tokenCacheKey = (sub: string | undefined, jti: string) => `${sub ?? ''}\u0000${jti}`;
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);

  async function lookUp(sub: string | undefined, jti: string | undefined, now: number): Promise<void> {
    const keys = [...(sub !== undefined ? [userKey(sub)] : []), ...(jti !== undefined ? [tokenKey(jti, sub)] : [])];
    let values: (string | null)[];
    try {
      values = await withDeadline(redis!.mget(...keys), o.timeoutMs, 'revocation check');
    } catch (err) {
      throw storeError(err);
    }
    const [first, second] = values;
    if (sub !== undefined) {
      const notBefore = first == null ? Number.NaN : Number(first);
      users.set(sub, Number.isFinite(notBefore) ? notBefore : null, now);
    }
    if (jti !== undefined) tokens.set(tokenCacheKey(sub, jti), (sub !== undefined ? second : first) != null, now);
  }

  return {
    async revokeToken(token) {
      const jti = text(token?.jti);
      if (jti === undefined) throw new KitError('ERR_VALIDATION', 'Only a token with a jti can be revoked alone; revoke its user instead');
      const sub = text(token.sub);
      const nowS = Math.floor(Date.now() / 1000);
      const ttl = typeof token.exp === 'number' ? Math.max(1, Math.ceil(token.exp - nowS) + 1) : o.tokenRecordTtlSeconds;
      try {
        await withDeadline(redis.set(tokenKey(jti, sub), '1', 'EX', ttl), o.timeoutMs, 'token revocation');
      } catch (err) {
        throw storeError(err);
      }
      tokens.set(tokenCacheKey(sub, jti), true, Date.now());
    },
    async revokeUser(sub, before = new Date()) {
      if (typeof sub !== 'string' || sub === '') throw new KitError('ERR_VALIDATION', 'revokeUser needs a user id (sub)');
      const notBefore = Math.floor(before.getTime() / 1000);
      if (!Number.isFinite(notBefore)) throw new KitError('ERR_VALIDATION', 'revokeUser needs a valid instant');
      try {
        await withDeadline(redis.eval(RAISE_NOT_BEFORE, 1, userKey(sub), String(notBefore), String(o.userRecordTtlSeconds)) as Promise<unknown>, o.timeoutMs, 'user revocation');
      } catch (err) {
        throw storeError(err);
      }
      const known = users.get(sub)?.value;
      users.set(sub, known != null && known > notBefore ? known : notBefore, Date.now());
    },
    async isRevoked(payload) {
      const sub = text(payload.sub);
      const jti = text(payload.jti);
      if (sub === undefined && jti === undefined) return false;
      const now = Date.now();
      const needUser = sub !== undefined && !fresh(users.get(sub), now);
      const needToken = jti !== undefined && !fresh(tokens.get(tokenCacheKey(sub, jti)), now);
      if (needUser || needToken) await lookUp(sub, jti, now);
      if (jti !== undefined && tokens.get(tokenCacheKey(sub, jti))?.value === true) return true;
      const notBefore = sub === undefined ? null : (users.get(sub)?.value ?? null);
      if (notBefore === null) return false;
      // Issued at or before the instant (second granularity: the same second counts as revoked).
      return typeof payload.iat !== 'number' || payload.iat <= notBefore;
    },
  };
}
