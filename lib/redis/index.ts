/**
 * `express-platform-kit/redis`: the one shared Redis connection per process (DESIGN
 * principle 5). Every module that can be distributed accepts `redis`: an ioredis `Redis` or
 * `Cluster` you created, or a URL; without one it reads `REDIS_URL`, and without that it
 * runs in memory.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { ConfigError } from '../config/settings.js';
import { emitKitWarning } from '../config/warnings.js';
import { resolveEnv, type Env } from '../config/env.js';
import { onShutdown } from '../shutdown/index.js';
import { withDeadline } from './deadline.js';
import { checkRedisUrl, redactRedisUrl } from './url.js';

/** What modules accept as a Redis backend: a client, or a `redis://` / `rediss://` URL. */
export type RedisClient = Redis | Cluster;
export type RedisOption = RedisClient | string;

const shared = new Map<string, Redis>();

/** Options every shared client gets: auto-pipelining (many in-flight commands share a write). */
export const SHARED_REDIS_OPTIONS: RedisOptions = {
  enableAutoPipelining: true,
  // Fail a command after a couple of reconnect attempts instead of queueing it for long:
  // callers (rate limiter, stores) turn the failure into ERR_STORE_UNAVAILABLE quickly.
  maxRetriesPerRequest: 2,
  connectTimeout: 5_000,
};

/**
 * The process-wide client for `url`, created on first use (lazily connected) and quit by
 * `gracefulShutdown`. The same URL always gives the same client. A URL that is not a
 * `redis://` / `rediss://` URL throws a `ConfigError` (naming `name`, never the value).
 */
export function getSharedRedis(url: string, options: RedisOptions = {}, name = 'Redis URL'): Redis {
  const existing = shared.get(url);
  if (existing) return existing;
  const checked = checkRedisUrl(url, name);
  const client = new Redis(checked, { ...SHARED_REDIS_OPTIONS, ...options });
  const shown = redactRedisUrl(checked);
  client.on('error', (error: Error) => {
    emitKitWarning('WARN_REDIS_CONNECTION', `Redis at ${shown} is unreachable: ${error.message}`, shown);
  });
  shared.set(url, client);
  onShutdown(`redis ${shown}`, async (signal) => {
    shared.delete(url);
    // QUIT lets queued commands finish; past the closer's deadline, drop the socket instead.
    signal.addEventListener('abort', () => client.disconnect(), { once: true });
    await client.quit().catch(() => client.disconnect());
  }, 'connections');
  return client;
}

function isClient(option: unknown): option is RedisClient {
  if (option instanceof Redis || option instanceof Cluster) return true;
  // Another copy of ioredis (dual package hazard): duck-typed.
  return typeof option === 'object' && option !== null && 'evalsha' in option && 'defineCommand' in option;
}

/**
 * Resolves a module's `redis` option: a client is used as given, a URL gives the shared client,
 * `false` means memory (even when `REDIS_URL` is set), and `undefined` falls back to
 * `REDIS_URL` (from `env`), or `null` for the in-memory backend. A bad URL or value throws a
 * `ConfigError` naming `optionName` (or `REDIS_URL`), never the value.
 *
 * @example
 * ```ts
 * const client = resolveRedis(options.redis, options.env) // null → run in memory
 * ```
 */
export function resolveRedis(option: RedisOption | false | undefined, env?: Env, optionName = 'redis'): RedisClient | null {
  if (option === false) return null;
  if (isClient(option)) return option;
  if (typeof option === 'string') return getSharedRedis(checkRedisUrl(option, optionName), {}, optionName);
  if (option !== undefined) {
    throw new ConfigError([{ variable: optionName, message: 'must be an ioredis Redis/Cluster client, a redis:// URL, or false (memory)' }], 'Redis settings');
  }
  const url = resolveEnv(env).REDIS_URL;
  if (url === undefined || url.trim() === '') return null;
  return getSharedRedis(checkRedisUrl(url, 'REDIS_URL'), {}, 'REDIS_URL');
}

/** Quits every shared client now, each within `timeoutMs` (tests; `gracefulShutdown` does it for you). */
export async function closeSharedRedis(timeoutMs = 1000): Promise<void> {
  const clients = [...shared.values()];
  shared.clear();
  await Promise.all(clients.map(async (client) => {
    // A server that never answers QUIT must not hold the caller: disconnect at the deadline.
    try {
      await withDeadline(client.quit(), timeoutMs, 'QUIT');
    } catch {
      client.disconnect();
    }
  }));
}

export { Redis, Cluster };
export { withDeadline, DEFAULT_STORE_TIMEOUT_MS } from './deadline.js';
export { checkRedisUrl, redactRedisUrl } from './url.js';
