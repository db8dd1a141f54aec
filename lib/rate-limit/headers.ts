/**
 * The rate-limit response headers: one builder for every answer (allowed, 429, the memory
 * fallback). No Express import: works on any `ServerResponse`.
 */
import type { ServerResponse } from 'node:http';
import type { RateLimitResult } from './types.js';

/** Which headers to send. */
export interface RateLimitHeaderOptions {
  /** `X-RateLimit-Limit/Remaining/Reset` (Reset in Unix seconds, what existing clients parse). */
  legacy: boolean;
  /** IETF `RateLimit` and `RateLimit-Policy`. */
  standard: boolean;
}

/**
 * The header builder of one limiter: its constant parts are built once, each result's values
 * per call. draft-ietf-httpapi-ratelimit-headers-08 (structured fields, RFC 8941):
 * RateLimit-Policy is a list of `"name";q=<quota>;w=<window seconds>` (§3), RateLimit a list of
 * `"name";r=<remaining>;t=<seconds until the quota resets>` (§4). The name is validated
 * (LIMITER_NAME_PATTERN), so it is a valid sf-string without escaping.
 */
export function rateLimitHeaderBuilder(
  policyName: string, windowMs: number, options: RateLimitHeaderOptions,
): (result: RateLimitResult) => Record<string, string> {
  const policySuffix = `;w=${Math.max(1, Math.ceil(windowMs / 1000))}`;
  const policyPrefix = `"${policyName}";q=`;
  const itemPrefix = `"${policyName}";r=`;
  const { legacy, standard } = options;
  // `limit` is the same for every result of one limiter: its two texts are built once.
  let limit = Number.NaN;
  let limitText = '';
  let policyText = '';
  return function rateLimitHeaders(result: RateLimitResult): Record<string, string> {
    if (result.limit !== limit) {
      limit = result.limit;
      limitText = String(limit);
      policyText = `${policyPrefix}${limit}${policySuffix}`;
    }
    const headers: Record<string, string> = {};
    if (legacy) {
      headers['X-RateLimit-Limit'] = limitText;
      headers['X-RateLimit-Remaining'] = String(result.remaining);
      headers['X-RateLimit-Reset'] = String(Math.ceil(result.resetAt / 1000));
    }
    if (standard) {
      headers['RateLimit-Policy'] = policyText;
      headers.RateLimit = `${itemPrefix}${result.remaining};t=${Math.max(0, Math.ceil((result.resetAt - Date.now()) / 1000))}`;
    }
    return headers;
  };
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
