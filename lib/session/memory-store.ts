/**
 * The in-memory session backend: one process, bounded, no timers (nothing keeps the process
 * alive). Entries are kept in a Map in order of last use; since every session has the same TTL
 * and each validation moves its entry to the end, that is also expiry order, so pruning only
 * ever looks at the head of the map.
 */
import type { SessionRef, UserRef } from './session-id.js';
import type { SessionStore, TouchResult } from './types.js';

interface Entry {
  userHash: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  data: string;
}

export interface MemorySessionStoreOptions {
  ttlMs: number;
  /** How long an expired session is remembered (so it reports `session_expired`, not `session_not_found`). */
  graceMs: number;
  /** Most sessions kept; the least recently used are evicted past it. */
  maxSessions: number;
  now?: () => number;
}

export class MemorySessionStore implements SessionStore {
  readonly kind = 'memory' as const;
  private readonly sessions = new Map<string, Entry>();
  private readonly byUser = new Map<string, Set<string>>();
  private readonly now: () => number;

  constructor(private readonly options: MemorySessionStoreOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Sessions currently held (live and recently expired). */
  get size(): number {
    return this.sessions.size;
  }

  async create(ref: SessionRef, user: UserRef, data: string): Promise<void> {
    const now = this.now();
    this.prune(now, Number.POSITIVE_INFINITY);
    while (this.sessions.size >= this.options.maxSessions) this.evictOldest();
    this.sessions.set(ref.idHash, { userHash: user.userHash, createdAt: now, lastSeenAt: now, expiresAt: now + this.options.ttlMs, data });
    let members = this.byUser.get(user.userHash);
    if (!members) this.byUser.set(user.userHash, (members = new Set()));
    members.add(ref.idHash);
  }

  async touch(ref: SessionRef): Promise<TouchResult> {
    const now = this.now();
    this.prune(now, 8);
    const entry = this.sessions.get(ref.idHash);
    if (!entry) return { state: 'missing' };
    if (entry.expiresAt <= now) {
      // Expired sessions stay as tombstones until the grace period ends; never refreshed.
      this.unindex(entry.userHash, ref.idHash);
      return { state: 'expired' };
    }
    entry.lastSeenAt = now;
    entry.expiresAt = now + this.options.ttlMs;
    this.sessions.delete(ref.idHash);
    this.sessions.set(ref.idHash, entry);
    return { state: 'ok', createdAt: entry.createdAt, lastSeenAt: now, expiresAt: entry.expiresAt, data: entry.data };
  }

  async destroy(ref: SessionRef): Promise<boolean> {
    const entry = this.sessions.get(ref.idHash);
    if (!entry) return false;
    this.sessions.delete(ref.idHash);
    this.unindex(entry.userHash, ref.idHash);
    return true;
  }

  async destroyUser(user: UserRef): Promise<number> {
    const members = this.byUser.get(user.userHash);
    if (!members) return 0;
    const now = this.now();
    let removed = 0;
    for (const idHash of members) {
      const entry = this.sessions.get(idHash);
      if (entry && entry.expiresAt > now) removed++;
      this.sessions.delete(idHash);
    }
    this.byUser.delete(user.userHash);
    return removed;
  }

  /** Drops up to `limit` entries whose grace period is over, from the head (oldest first). */
  private prune(now: number, limit: number): void {
    let checked = 0;
    for (const [idHash, entry] of this.sessions) {
      if (checked++ >= limit || entry.expiresAt + this.options.graceMs > now) return;
      this.sessions.delete(idHash);
      this.unindex(entry.userHash, idHash);
    }
  }

  private evictOldest(): void {
    const first = this.sessions.entries().next();
    if (first.done) return;
    const [idHash, entry] = first.value;
    this.sessions.delete(idHash);
    this.unindex(entry.userHash, idHash);
  }

  private unindex(userHash: string, idHash: string): void {
    const members = this.byUser.get(userHash);
    if (!members) return;
    members.delete(idHash);
    if (members.size === 0) this.byUser.delete(userHash);
  }
}
