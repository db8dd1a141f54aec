/**
 * Recently verified keys, so a legitimate client costs one scrypt per key per `ttlMs`, not
 * one per request. An LRU bounded in entries, keyed by SHA-256 over the presented key and the
 * stored hash and salt it matched (never the key itself): a changed stored hash (re-hash,
 * rotation) is a miss, and revocation stays the lookup's job (a revoked record is never
 * returned, so never compared). Only successes are remembered.
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';

export interface VerifiedKeys {
  has(key: string, hash: string, salt: string): boolean;
  add(key: string, hash: string, salt: string): void;
}

function fingerprint(key: string, hash: string, salt: string): string {
  // NUL separators: none of the three can contain one (checked formats).
  return createHash('sha256').update(`${key}\0${hash.toLowerCase()}\0${salt.toLowerCase()}`).digest('base64');
}

/** `ttlMs` 0 turns remembering off. */
export function createVerifiedKeys(maxEntries: number, ttlMs: number): VerifiedKeys {
  if (ttlMs === 0) return { has: () => false, add: () => {} };
  const lru = new LRUCache<string, true>({ max: maxEntries, ttl: ttlMs, ttlAutopurge: false });
  return {
    has: (key, hash, salt) => lru.get(fingerprint(key, hash, salt)) === true,
    add: (key, hash, salt) => {
      lru.set(fingerprint(key, hash, salt), true);
    },
  };
}
