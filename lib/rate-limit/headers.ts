/**
 * Response headers and the 429 error. No Express import: works on any `ServerResponse`.
 */
import type { ServerResponse } from 'node:http';
import { HttpError } from '../errors/http-error.js';
import type { RateLimitResult } from './types.js';

/** `error` of the reference's 429 detail object. */
export const RATE_LIMITED_ERROR = 'Rate limit exceeded';
/** `message` of the reference's 429 detail (also the reference's whole `detail` string). */
export const RATE_LIMITED_MESSAGE = 'Rate limit exceeded. Please try again later.';

/** Which headers to send. */
export interface RateLimitHeaderOptions {
  /** `X-RateLimit-Limit/Remaining/Reset` (Reset in Unix seconds, like the reference). */
  legacy: boolean;
  /** IETF `RateLimit` and `RateLimit-Policy`. */
  standard: boolean;
}

/** The header names and values for one result (also put on the 429 error's `headers`). */
export function rateLimitHeaders(
  result: RateLimitResult, policyName: string, windowMs: number, options: RateLimitHeaderOptions,
): Record<string, string> {
  const headers: Record<string, string> = {};
  if (options.legacy) {
    headers['X-RateLimit-Limit'] = String(result.limit);
    headers['X-RateLimit-Remaining'] = String(result.remaining);
    headers['X-RateLimit-Reset'] = String(Math.ceil(result.resetAt / 1000));
  }
  if (options.standard) {
    // draft-ietf-httpapi-ratelimit-headers-08 (structured fields, RFC 8941): RateLimit-Policy is a
    // list of policy items `"name";q=<quota>;w=<window seconds>` (§3), RateLimit a list of
    // `"name";r=<remaining>;t=<seconds until the quota resets>` (§4). The name is validated
    // (LIMITER_NAME_PATTERN), so it is a valid sf-string without escaping.
    const secondsToReset = Math.max(0, Math.ceil((result.resetAt - Date.now()) / 1000));
    headers['RateLimit-Policy'] = `"${policyName}";q=${result.limit};w=${Math.max(1, Math.ceil(windowMs / 1000))}`;
    headers.RateLimit = `"${policyName}";r=${result.remaining};t=${secondsToReset}`;
  }
  return headers;
}

/** Sets headers; appends to an existing `RateLimit`/`RateLimit-Policy` (several limiters on one route). */
export function setRateLimitHeaders(res: ServerResponse, headers: Record<string, string>): void {
  if (res.headersSent) return;
  for (const name in headers) {
    const value = headers[name]!;
    if (name === 'RateLimit' || name === 'RateLimit-Policy') {
      const existing = res.getHeader(name);
      res.setHeader(name, existing === undefined ? value : `${String(existing)}, ${value}`);
    } else {
      res.setHeader(name, value);
    }
  }
}

/** Retry-After in whole seconds, rounded up (RFC 9110 §10.2.3): never invites an early retry. */
export function retryAfterSeconds(retryAfterMs: number): number {
  return Math.max(1, Math.ceil(retryAfterMs / 1000));
}

/** The 429 passed to `next()`: code ERR_RATE_LIMITED, `Retry-After`, the reference's detail object. */
export function rateLimitedError(result: RateLimitResult, headers: Record<string, string>): HttpError {
  const reset = Math.ceil(result.resetAt / 1000);
  return new HttpError(429, RATE_LIMITED_MESSAGE, {
    code: 'ERR_RATE_LIMITED',
    detail: { error: RATE_LIMITED_ERROR, message: RATE_LIMITED_MESSAGE, limit: result.limit, remaining: result.remaining, reset },
    headers: { ...headers, 'Retry-After': String(retryAfterSeconds(result.retryAfterMs)) },
  });
}
