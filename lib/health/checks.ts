/**
 * The readiness checks the kit knows how to run itself: a Redis `PING` with a deadline and a
 * JWKS endpoint that answers. Kept free of auth internals: the JWKS check is a plain `fetch`.
 */
import type { RedisClient } from '../redis/index.js';
import { withDeadline } from '../redis/deadline.js';
import { KitError } from '../errors/kit-error.js';

/** A readiness check: resolves when healthy, rejects (or outlives its timeout) when not. */
export type HealthCheck = (signal: AbortSignal) => Promise<void> | void;

/** `PING` on the given client, bounded by `timeoutMs` (ioredis has no per-call timeout). */
export function redisPingCheck(client: RedisClient, timeoutMs: number): HealthCheck {
  return async function redisPing() {
    let reply: string;
    try {
      reply = await withDeadline(client.ping(), timeoutMs, 'readiness PING');
    } catch (error) {
      if (error instanceof KitError) throw error;
      // A closed connection, a refused one, an offline queue that is off: all mean "no Redis".
      throw new KitError('ERR_STORE_UNAVAILABLE', `Redis PING failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    if (reply !== 'PONG') throw new KitError('ERR_STORE_UNAVAILABLE', 'Redis answered PING with something other than PONG');
  };
}

/**
 * GET on the JWKS URL: healthy when it answers 2xx with a JSON `{ keys: [...] }`. The URL is
 * never echoed in the error (it may carry a tenant id or token).
 */
export function jwksReachableCheck(url: URL, timeoutMs: number): HealthCheck {
  return async function jwksReachable(signal) {
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]), redirect: 'error', headers: { accept: 'application/json' } });
    } catch (error) {
      const err = error as { name?: string; cause?: { code?: string } };
      const why = err.name === 'TimeoutError' ? `did not answer within ${timeoutMs} ms` : `is unreachable (${err.cause?.code ?? err.name ?? 'network error'})`;
      throw new KitError('ERR_AUTH_JWKS_UNAVAILABLE', `JWKS at ${url.host} ${why}`, { cause: error });
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => {});
      throw new KitError('ERR_AUTH_JWKS_UNAVAILABLE', `JWKS at ${url.host} answered HTTP ${response.status}`);
    }
    const body = (await response.json().catch(() => null)) as { keys?: unknown } | null;
    if (!body || !Array.isArray(body.keys)) throw new KitError('ERR_AUTH_JWKS_UNAVAILABLE', `JWKS at ${url.host} did not answer a JSON key set`);
  };
}
