/**
 * The embedded keyed mutex: one process, no Redis. Same semantics as the Redis one (FIFO
 * waiters, deadlines, lock timeouts, owner tokens), so code written against `KeyedMutex`
 * behaves the same in the quick start and in production.
 */
import { performance } from 'node:perf_hooks';
import { AbstractKeyedMutex } from './keyed-mutex.js';
import { parseKeyedMutexOptions, type KeyedMutexOptions } from './settings.js';

/**
 * An in-process {@link KeyedMutex}. Locks are not shared with other processes or worker
 * threads; use {@link RedisKeyedMutex} for that.
 *
 * @example
 * ```ts
 * const mutex = new MemoryKeyedMutex({ timeoutMs: 10_000 })
 * await mutex.withLock(`user:${id}`, async () => saveProfile(id))
 * ```
 */
export class MemoryKeyedMutex extends AbstractKeyedMutex {
  private readonly owners = new Map<string, { token: string; expiresAt: number }>();
  protected override readonly retryBaseMs = 1;

  constructor(options: KeyedMutexOptions = {}) {
    super(parseKeyedMutexOptions(options, 'MemoryKeyedMutex options'), 'memory keyed mutex');
  }

  protected async tryLock(key: string, token: string, ttlMs: number): Promise<boolean> {
    const owner = this.owners.get(key);
    if (owner && owner.expiresAt > performance.now()) return false;
    this.owners.set(key, { token, expiresAt: performance.now() + ttlMs });
    return true;
  }

  protected async extendIfOwned(key: string, token: string, ttlMs: number): Promise<boolean> {
    const owner = this.owners.get(key);
    if (!owner || owner.token !== token || owner.expiresAt <= performance.now()) return false;
    owner.expiresAt = performance.now() + ttlMs;
    return true;
  }

  protected async releaseIfOwned(key: string, token: string): Promise<boolean> {
    const owner = this.owners.get(key);
    if (!owner || owner.token !== token) return false;
    this.owners.delete(key);
    return owner.expiresAt > performance.now();
  }

  protected override expired(key: string, token: string): void {
    if (this.owners.get(key)?.token === token) this.owners.delete(key);
  }
}
