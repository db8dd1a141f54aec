/**
 * The distributed keyed mutex on Redis (single node or Cluster): `SET key token NX PX` takes
 * a lock; release and extension are Lua scripts that act only when the key still holds our
 * random token, so a process whose lock expired can never delete or extend the lock of the
 * next owner (as a plain `DEL` on release would).
 */
import type { Cluster, Redis } from 'ioredis';
import { ConfigError } from '../config/settings.js';
import { KitError } from '../errors/kit-error.js';
import { withDeadline } from '../redis/deadline.js';
import { resolveRedis, type RedisOption } from '../redis/index.js';
import { AbstractKeyedMutex } from './keyed-mutex.js';
import { parseKeyedMutexOptions, type KeyedMutexOptions } from './settings.js';

// Compare-and-delete: GET and DEL must be one atomic step, or the key could expire and be
// taken by another owner between them.
const RELEASE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;
// Compare-and-pexpire, atomic for the same reason.
const EXTEND_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

interface MutexCommands {
  epkMutexRelease(key: string, token: string): Promise<number>;
  epkMutexExtend(key: string, token: string, ttlMs: number): Promise<number>;
}
type ScriptedClient = (Redis | Cluster) & MutexCommands;

/** Loads the scripts once per client (`defineCommand`: EVALSHA, EVAL on NOSCRIPT). */
function withScripts(client: Redis | Cluster): ScriptedClient {
  const scripted = client as ScriptedClient;
  if (typeof scripted.epkMutexRelease !== 'function') client.defineCommand('epkMutexRelease', { numberOfKeys: 1, lua: RELEASE_LUA });
  if (typeof scripted.epkMutexExtend !== 'function') client.defineCommand('epkMutexExtend', { numberOfKeys: 1, lua: EXTEND_LUA });
  return scripted;
}

function unavailable(error: unknown): KitError {
  const timedOut = error instanceof KitError && error.code === 'ERR_STORE_UNAVAILABLE';
  return new KitError('ERR_STORE_UNAVAILABLE', timedOut ? `Redis is unavailable for the keyed mutex: ${error.message}` : 'Redis is unavailable for the keyed mutex', { cause: error });
}

/**
 * A {@link KeyedMutex} shared by every process using the same Redis or Redis Cluster.
 * Accepts an ioredis `Redis`/`Cluster` or a URL (the process's shared client).
 *
 * @example
 * ```ts
 * const mutex = new RedisKeyedMutex(process.env.REDIS_URL!, { timeoutMs: 30_000 })
 * await mutex.withLock(`user:${id}`, async (signal) => updateBalance(id, { signal }))
 * ```
 */
export class RedisKeyedMutex extends AbstractKeyedMutex {
  private readonly client: ScriptedClient;

  constructor(redis: RedisOption, options: KeyedMutexOptions = {}) {
    const config = parseKeyedMutexOptions(options, 'RedisKeyedMutex options');
    const client = redis === undefined || redis === null ? null : resolveRedis(redis, {});
    if (!client) {
      throw new ConfigError([{ variable: 'redis', message: 'RedisKeyedMutex needs an ioredis Redis/Cluster client or a redis:// URL' }], 'RedisKeyedMutex options');
    }
    super(config, 'redis keyed mutex');
    this.client = withScripts(client);
  }

  /** The Redis key of a lock: the prefix, then the key as a hash tag (one slot per key on a Cluster). */
  redisKey(key: string): string {
    return `${this.config.prefix}{${key}}`;
  }

  /** One Redis call under the `storeTimeoutMs` deadline; every failure is `ERR_STORE_UNAVAILABLE`. */
  private async call<T>(pending: Promise<T>, what: string): Promise<T> {
    try {
      return await withDeadline(pending, this.config.storeTimeoutMs, what);
    } catch (error) {
      throw unavailable(error);
    }
  }

  protected async tryLock(key: string, token: string, ttlMs: number): Promise<boolean> {
    const redisKey = this.redisKey(key);
    const pending = this.client.set(redisKey, token, 'PX', ttlMs, 'NX');
    try {
      return (await this.call(pending, 'lock acquisition')) === 'OK';
    } catch (error) {
      // The SET is still queued and may run once Redis answers again. If it takes the lock
      // then, give it back: nobody holds that token, and the key would be blocked for ttlMs.
      pending.then((reply) => {
        if (reply === 'OK') this.client.epkMutexRelease(redisKey, token).catch(() => undefined);
      }, () => undefined);
      throw error;
    }
  }

  protected async extendIfOwned(key: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.call(this.client.epkMutexExtend(this.redisKey(key), token, ttlMs), 'lock extension')) === 1;
  }

  protected async releaseIfOwned(key: string, token: string): Promise<boolean> {
    return (await this.call(this.client.epkMutexRelease(this.redisKey(key), token), 'lock release')) === 1;
  }
}
