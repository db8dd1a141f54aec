/**
 * `express-platform-kit/redis`: the one shared Redis connection per process (DESIGN
 * principle 5). Every module that can be distributed accepts `redis`: an ioredis `Redis` or
 * `Cluster` you created, or a URL; without one it reads `REDIS_URL`, and without that it
 * runs in memory.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { emitKitWarning } from '../config/warnings.js';
import { resolveEnv, type Env } from '../config/env.js';
import { onShutdown } from '../shutdown/index.js';

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

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable REDIS_URL)';
  }
}

/**
 * The process-wide client for `url`, created on first use (lazily connected) and quit by
 * `gracefulShutdown`. The same URL always gives the same client.
 */
export function getSharedRedis(url: string, options: RedisOptions = {}): Redis {
  const existing = shared.get(url);
  if (existing) return existing;
  const client = new Redis(url, { ...SHARED_REDIS_OPTIONS, ...options });
  client.on('error', (error: Error) => {
    emitKitWarning('WARN_REDIS_CONNECTION', `Redis at ${redactUrl(url)} is unreachable: ${error.message}`, url);
  });
  shared.set(url, client);
  onShutdown(`redis ${redactUrl(url)}`, async () => {
    shared.delete(url);
    await client.quit().catch(() => client.disconnect());
  }, 'connections');
  return client;
}

/**
 * Resolves a module's `redis` option: a client is used as given, a URL gives the shared client,
 * and `undefined` falls back to `REDIS_URL` (from `env`), or `null` for the in-memory backend.
 */
export function resolveRedis(option: RedisOption | undefined, env?: Env): RedisClient | null {
  if (option instanceof Redis || option instanceof Cluster) return option;
  if (typeof option === 'string' && option.trim() !== '') return getSharedRedis(option.trim());
  if (option !== undefined && typeof option === 'object' && option !== null && 'evalsha' in option) {
    return option as RedisClient; // another copy of ioredis (dual package); duck-typed
  }
  const url = resolveEnv(env).REDIS_URL?.trim();
  return url ? getSharedRedis(url) : null;
}

/** Quits every shared client now (tests; `gracefulShutdown` does it for you). */
export async function closeSharedRedis(): Promise<void> {
  const clients = [...shared.values()];
  shared.clear();
  await Promise.all(clients.map((client) => client.quit().catch(() => client.disconnect())));
}

export { Redis, Cluster };
export { withDeadline, DEFAULT_STORE_TIMEOUT_MS } from './deadline.js';
