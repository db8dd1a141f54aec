/** Public types of the keyed mutexes. */

/** Per-call options of `acquire` and `withLock`. */
export interface LockAcquireOptions {
  /**
   * How long to wait for a busy key before rejecting with `ERR_LOCK_TIMEOUT` (0: one try
   * only; `Infinity`: wait until acquired). Default: the mutex's `waitMs`.
   */
  waitMs?: number;
}

/** A lock this process holds. */
export interface LockHandle {
  /** The key as passed to `acquire`. */
  readonly key: string;
  /**
   * Aborts (reason: a `KitError` with code `ERR_LOCK_LOST`) when the lock is no longer held
   * exclusively: its time ran out without an extension, an extension found another owner,
   * or `releaseAll()` released it. Not aborted by a normal `release()`.
   */
  readonly signal: AbortSignal;
  /** True until the lock is released or lost. */
  readonly held: boolean;
  /** Milliseconds the lock is still known to be held (0 once released or lost). */
  remainingMs(): number;
  /** Extends the lock to `ttlMs` (default: the mutex's `timeoutMs`) from now, only if still owned. */
  extend(ttlMs?: number): Promise<boolean>;
  /** Releases the lock only if still owned; true when it was. Never deletes another owner's lock. */
  release(): Promise<boolean>;
}

/**
 * A mutex per key (user id, resource id), shared by every process using the same backend.
 * Implemented by `RedisKeyedMutex` (distributed) and `MemoryKeyedMutex` (one process).
 */
export interface KeyedMutex {
  /** Waits for `key` (FIFO among this process's waiters) and returns its handle. */
  acquire(key: string, options?: LockAcquireOptions): Promise<LockHandle>;
  /** Releases the lock this process holds on `key`, if any; true when a lock was released. */
  release(key: string): Promise<boolean>;
  /**
   * Runs `fn` while holding `key`, extending the lock while `fn` runs, and releases it after.
   * `fn` receives an `AbortSignal` that fires if the lock is lost; `withLock` then rejects
   * with `ERR_LOCK_LOST` even if `fn` resolved (its work was not exclusive).
   */
  withLock<T>(key: string, fn: (signal: AbortSignal) => Promise<T> | T, options?: LockAcquireOptions): Promise<T>;
  /** Releases every lock this process holds (their signals abort); resolves to how many. */
  releaseAll(): Promise<number>;
}
