/**
 * The rate-limit response headers: one builder for every answer (allowed, 429, the memory
 * fallback). No Express import: works on any `ServerResponse`.
 */
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { BoundedMap } from './bounded-map.js';
import type { RateLimitResult } from './types.js';

/**
 * Which IETF draft of the `RateLimit` headers to send (draft-ietf-httpapi-ratelimit-headers):
 * - `'draft-6'`: `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`, `RateLimit-Policy: 100;w=60`;
 * - `'draft-7'`: `RateLimit: limit=100, remaining=99, reset=60`, `RateLimit-Policy: 100;w=60`;
 * - `'draft-8'`: `RateLimit-Policy: "name";q=100;w=60;pk=:…:`, `RateLimit: "name";r=99;t=60;pk=:…:`.
 */
export type RateLimitHeadersDraft = 'draft-6' | 'draft-7' | 'draft-8';

/** The drafts `standardHeaders` accepts. */
export const RATE_LIMIT_HEADERS_DRAFTS: readonly RateLimitHeadersDraft[] = ['draft-6', 'draft-7', 'draft-8'];

/** Which headers to send. */
export interface RateLimitHeaderOptions {
  /** `X-RateLimit-Limit/Remaining/Reset` (Reset in Unix seconds, what existing clients parse). */
  legacy: boolean;
  /**
   * IETF headers: `true` is draft 8's two fields without the partition key (what the kit has
   * always sent), a draft name that draft's fields, `false` none.
   */
  standard: boolean | RateLimitHeadersDraft;
}

/** Most client keys whose partition-key hash one builder remembers. */
const MAX_PARTITION_KEYS = 10_000;

/**
 * Draft 8's partition key (§3.1, §4.1 "pk", an sf-binary): the first 9 bytes of
 * SHA-256(policy name, NUL, key), base64 (12 characters). A hash, never the key itself: the
 * key may be a user or API-key record id the response should not spell out.
 */
export function partitionKeyOf(policyName: string, key: string): string {
  return createHash('sha256').update(policyName).update('\0').update(key).digest().subarray(0, 9).toString('base64');
}

/** Whole seconds until `resetAt`, never negative (rounded up: never invites an early retry). */
const secondsUntil = (resetAt: number): number => Math.max(0, Math.ceil((resetAt - Date.now()) / 1000));

/**
 * The header builder of one policy: its constant parts are built once, each result's values
 * per call. Draft 8 (structured fields, RFC 8941): RateLimit-Policy is a list of
 * `"name";q=<quota>;w=<window seconds>` (§3), RateLimit a list of
 * `"name";r=<remaining>;t=<seconds until the quota resets>` (§4). The name is validated
 * (LIMITER_NAME_PATTERN), so it is a valid sf-string without escaping.
 * `windowMs` and `key` are per call: a policy's window may be a function of the request, and
 * only draft 8 reads the key.
 */
export function rateLimitHeaderBuilder(
  policyName: string, options: RateLimitHeaderOptions,
): (result: RateLimitResult, windowMs: number, key: string) => Record<string, string> {
  const { legacy, standard } = options;
  const quoted = `"${policyName}"`;
  const partitionKeys = standard === 'draft-8' ? new BoundedMap<string, string>(MAX_PARTITION_KEYS) : undefined;
  // `limit` and the window are the same for most results of one policy: their texts are built once.
  let limit = Number.NaN;
  let windowMsSeen = Number.NaN;
  let limitText = '';
  let windowText = '';
  let policyText = '';
  return function rateLimitHeaders(result: RateLimitResult, windowMs: number, key: string): Record<string, string> {
    if (result.limit !== limit || windowMs !== windowMsSeen) {
      limit = result.limit;
      windowMsSeen = windowMs;
      limitText = String(limit);
      windowText = String(Math.max(1, Math.ceil(windowMs / 1000)));
      policyText = standard === true || standard === 'draft-8' ? `${quoted};q=${limit};w=${windowText}` : `${limit};w=${windowText}`;
    }
    const headers: Record<string, string> = {};
    if (legacy) {
      headers['X-RateLimit-Limit'] = limitText;
      headers['X-RateLimit-Remaining'] = String(result.remaining);
      headers['X-RateLimit-Reset'] = String(Math.ceil(result.resetAt / 1000));
    }
    if (standard === false) return headers;
    const reset = secondsUntil(result.resetAt);
    if (standard === true) {
      headers['RateLimit-Policy'] = policyText;
      headers.RateLimit = `${quoted};r=${result.remaining};t=${reset}`;
    } else if (standard === 'draft-8') {
      let pk = partitionKeys!.get(key);
      if (pk === undefined) partitionKeys!.set(key, (pk = partitionKeyOf(policyName, key)));
      headers['RateLimit-Policy'] = `${policyText};pk=:${pk}:`;
      headers.RateLimit = `${quoted};r=${result.remaining};t=${reset};pk=:${pk}:`;
    } else if (standard === 'draft-7') {
      headers['RateLimit-Policy'] = policyText;
      headers.RateLimit = `limit=${limitText}, remaining=${result.remaining}, reset=${reset}`;
    } else {
      headers['RateLimit-Policy'] = policyText;
      headers['RateLimit-Limit'] = limitText;
      headers['RateLimit-Remaining'] = String(result.remaining);
      headers['RateLimit-Reset'] = String(reset);
    }
    return headers;
  };
}

/**
 * Sets headers; appends to an existing `RateLimit`/`RateLimit-Policy` when they are lists
 * (draft 8, several limiters on one route); a draft 6/7 field holds one policy, so the later
 * limiter's replaces it.
 */
export function setRateLimitHeaders(res: ServerResponse, headers: Record<string, string>, list = true): void {
  if (res.headersSent) return;
  for (const name in headers) {
    const value = headers[name]!;
    if (list && (name === 'RateLimit' || name === 'RateLimit-Policy')) {
      const existing = res.getHeader(name);
      res.setHeader(name, existing === undefined ? value : `${String(existing)}, ${value}`);
    } else {
      res.setHeader(name, value);
    }
  }
}
