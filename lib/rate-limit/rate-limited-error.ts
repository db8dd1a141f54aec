/** The 429 the middleware passes to `next()`: the `{ error, message, limit, remaining, reset }` detail object and an accurate `Retry-After`. */
import { HttpError } from '../errors/http-error.js';
import type { RateLimitResult } from './types.js';

/** `error` of the 429 detail object. */
export const RATE_LIMITED_ERROR = 'Rate limit exceeded';
/** `message` of the 429 detail (what clients of the Python service read as the whole `detail`). */
export const RATE_LIMITED_MESSAGE = 'Rate limit exceeded. Please try again later.';

/** Retry-After in whole seconds, rounded up (RFC 9110 §10.2.3): never invites an early retry. */
export function retryAfterSeconds(retryAfterMs: number): number {
  return Math.max(1, Math.ceil(retryAfterMs / 1000));
}

/** The 429 passed to `next()`: code ERR_RATE_LIMITED, `Retry-After`, the `{ error, message, limit, remaining, reset }` detail. */
export function rateLimitedError(result: RateLimitResult, headers: Record<string, string>, status = 429): HttpError {
  const reset = Math.ceil(result.resetAt / 1000);
  return new HttpError(status, RATE_LIMITED_MESSAGE, {
    code: 'ERR_RATE_LIMITED',
    detail: { error: RATE_LIMITED_ERROR, message: RATE_LIMITED_MESSAGE, limit: result.limit, remaining: result.remaining, reset },
    headers: { ...headers, 'Retry-After': String(retryAfterSeconds(result.retryAfterMs)) },
    // a `statusCode` of 5xx (some APIs answer 503) is still an answer, not a fault: shown, not logged
    ...(status >= 500 ? { expose: true, reported: true } : {}),
  });
}
