/**
 * Optional cache of verified tokens: an LRU keyed by the SHA-256 of the token (the token
 * itself is never kept as a key), bounded in entries, and no entry outlives the token's
 * `exp` nor `maxAgeMs` (with a JWKS: its refresh age, so a key removed from the key set stops
 * verifying cached tokens as soon as it stops verifying new ones). Only successful
 * verifications are cached; tokens without `exp` are not cached.
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { JWTPayload } from 'jose';

interface Entry {
  payload: JWTPayload;
  /** Epoch milliseconds after which the entry must not be used. */
  expiresAtMs: number;
}

export interface VerifiedTokenCache {
  get(token: string): JWTPayload | undefined;
  set(token: string, payload: JWTPayload): void;
  readonly size: number;
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('base64');
}

/** Creates a cache holding at most `maxEntries` verified tokens, each for at most `maxAgeMs`. */
export function createVerifiedTokenCache(maxEntries: number, maxAgeMs = Number.POSITIVE_INFINITY): VerifiedTokenCache {
  const lru = new LRUCache<string, Entry>({ max: maxEntries });
  return {
    get(token) {
      const key = digest(token);
      const entry = lru.get(key);
      if (entry === undefined) return undefined;
      if (Date.now() >= entry.expiresAtMs) {
        lru.delete(key);
        return undefined;
      }
      return entry.payload;
    },
    set(token, payload) {
      if (typeof payload.exp !== 'number' || !Number.isFinite(payload.exp)) return;
      const now = Date.now();
      const expiresAtMs = Math.min(payload.exp * 1000, now + maxAgeMs);
      if (expiresAtMs <= now) return;
      lru.set(digest(token), { payload, expiresAtMs });
    },
    get size() {
      return lru.size;
    },
  };
}
