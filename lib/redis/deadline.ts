/**
 * A deadline for one wait on Redis. ioredis has no per-call timeout (its `commandTimeout` is
 * per connection, and the connection is shared), and a paused or stopped server keeps a
 * command pending forever. Every request-path wait on Redis goes through this, so a slow
 * Redis becomes a typed `ERR_STORE_UNAVAILABLE` after `timeoutMs` instead of a held request.
 */
import { KitError } from '../errors/kit-error.js';

/** Default deadline for one request-path Redis call: a healthy one answers in well under 1 ms. */
export const DEFAULT_STORE_TIMEOUT_MS = 500;

/**
 * Settles like `promise`, or rejects with `ERR_STORE_UNAVAILABLE` (naming `what`) once
 * `timeoutMs` pass first. The timer is unref'ed and cleared as soon as the promise settles.
 * `timeoutMs <= 0` or `Infinity` waits without a deadline.
 *
 * @example
 * ```ts
 * const reply = await withDeadline(redis.get(key), 200, 'session lookup');
 * ```
 */
export function withDeadline<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  if (!(timeoutMs > 0) || timeoutMs === Number.POSITIVE_INFINITY) return promise;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new KitError('ERR_STORE_UNAVAILABLE', `Redis did not answer the ${what} within ${timeoutMs} ms`));
    }, timeoutMs);
    timer.unref();
    promise.then(
      (value) => { clearTimeout(timer); resolve(value); },
      (error: unknown) => { clearTimeout(timer); reject(error); },
    );
  });
}
