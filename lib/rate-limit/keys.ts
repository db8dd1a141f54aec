/**
 * Storage keys. Every key of a limiter looks like `rl:{<name>:<encoded key>}:<algorithm>`:
 * - the `{...}` hash tag holds the whole client key, so one key's data always lives in one
 *   Redis Cluster slot while different clients spread over the cluster;
 * - the limiter's `name` namespaces keys, so two limiters on one Redis never share counters;
 * - a client key made only of safe characters (up to 128) is kept readable (`k:user:42`);
 *   anything else (long, unicode, braces, newlines, spaces) is replaced by its SHA-256
 *   (`h:<base64url>`). The `k:`/`h:` prefixes keep the two forms from ever colliding, and a
 *   hashed key can contain neither `{`, `}` nor a raw credential.
 */
import { createHash } from 'node:crypto';
import type { RateLimitAlgorithm } from './types.js';

const SAFE_KEY = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** Allowed limiter names: they appear in Redis keys and in the `RateLimit-Policy` header. */
export const LIMITER_NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

// The sliding log is a list under `:ll`; it was a sorted set under `:log` (before 0.2), so a
// key written by an older version is never read as the wrong type: it just expires.
const ALGORITHM_SUFFIX: Record<RateLimitAlgorithm, string> = {
  'sliding-log': 'll',
  'sliding-window': 'win',
  'token-bucket': 'tb',
};

/** SHA-256 of a string as base64url (43 characters). */
export function sha256Base64Url(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('base64url');
}

/**
 * The storage key of `clientKey` for a limiter `name` using `algorithm`. A call whose window
 * differs from the limiter's (`windowMs`, a dynamic policy) counts under its own key
 * (`…:ll:1000`), in the same hash tag: a per-second and a per-hour policy on one client never
 * share counters, and still share a Redis Cluster slot. A blocking policy keeps its block
 * under the storage key plus `:b`.
 */
export function rateLimitStorageKey(name: string, algorithm: RateLimitAlgorithm, clientKey: string, windowMs?: number): string {
  const encoded = SAFE_KEY.test(clientKey) ? `k:${clientKey}` : `h:${sha256Base64Url(clientKey)}`;
  const base = `rl:{${name}:${encoded}}:${ALGORITHM_SUFFIX[algorithm]}`;
  return windowMs === undefined ? base : `${base}:${windowMs}`;
}

/** Where a blocking policy (`blockMs`) keeps the block of `storageKey` (same hash tag). */
export const blockKeyOf = (storageKey: string): string => `${storageKey}:b`;

/**
 * The hash tag of a storage key (what `{…}` encloses; equal tags share a Redis Cluster slot).
 * Every key from {@link rateLimitStorageKey} has one; a key without braces is its own tag.
 */
export function storageKeyHashTag(storageKey: string): string {
  const open = storageKey.indexOf('{');
  const close = storageKey.indexOf('}', open + 1);
  return open === -1 || close === -1 ? storageKey : storageKey.slice(open + 1, close);
}
