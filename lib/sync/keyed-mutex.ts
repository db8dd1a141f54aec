/**
 * The part of a keyed mutex that does not depend on where locks live: the local lock table
 * (what this process holds or waits for, bounded), FIFO turns among this process's waiters,
 * deadlines, local expiry, extension while `withLock` runs, and shutdown registration.
 * Backends only answer three atomic questions: take, extend and release *if owned*.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { KitError } from '../errors/kit-error.js';
import { getLogger } from '../logging/logger.js';
import { onShutdown } from '../shutdown/index.js';
import { keepExtending } from './lock-extender.js';
import { recordLockAcquisition } from './lock-metrics.js';
import { parseTtlMs, parseWaitMs, type KeyedMutexConfig } from './settings.js';
import type { KeyedMutex, LockAcquireOptions, LockHandle } from './types.js';

const log = getLogger('sync');
const now = (): number => performance.now();
const MAX_KEY_LENGTH = 1024;

/** A key for messages: keys are ids, not secrets, but may be long. */
function shown(key: string): string {
  return JSON.stringify(key.length > 80 ? `${key.slice(0, 77)}...` : key);
}

export function lockLost(key: string, why: string): KitError {
  return new KitError('ERR_LOCK_LOST', `Lock ${shown(key)} was lost: ${why}`);
}

function checkKey(key: unknown): string {
  if (typeof key !== 'string' || key === '' || key.length > MAX_KEY_LENGTH) {
    throw new KitError('ERR_VALIDATION', `Lock key must be a non-empty string of at most ${MAX_KEY_LENGTH} characters`);
  }
  return key;
}

// Owner tokens: 16 random bytes per process plus a counter. Unique across processes
// (2^-128 collision odds) and per acquisition, without a crypto call per lock.
const TOKEN_PREFIX = `${randomBytes(16).toString('base64url')}.`;
let tokenCounter = 0;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Waiter {
  settled: boolean;
  resolve(): void;
  timer?: NodeJS.Timeout;
}

/** One key in the local table: busy while someone in this process holds or is taking it. */
interface KeyState {
  busy: boolean;
  held?: HeldLock;
  queue: Waiter[];
}

interface HeldLock extends LockHandle {
  readonly token: string;
  readonly controller: AbortController;
  done: boolean;
  expiresAt: number;
  expiryTimer?: NodeJS.Timeout;
}

export abstract class AbstractKeyedMutex implements KeyedMutex {
  protected readonly config: KeyedMutexConfig;
  private readonly table = new Map<string, KeyState>();
  private heldCount = 0;
  private unregisterShutdown: (() => void) | undefined;
  /** Back-off floor between two tries on a busy key. */
  protected readonly retryBaseMs: number = 5;

  protected constructor(config: KeyedMutexConfig, private readonly shutdownName: string) {
    this.config = config;
  }

  /** Takes `key` for `token` for `ttlMs` if nobody holds it (Redis `SET NX PX`). */
  protected abstract tryLock(key: string, token: string, ttlMs: number): Promise<boolean>;
  /** Sets the time to live of `key` to `ttlMs` only if `token` owns it. */
  protected abstract extendIfOwned(key: string, token: string, ttlMs: number): Promise<boolean>;
  /** Deletes `key` only if `token` owns it. */
  protected abstract releaseIfOwned(key: string, token: string): Promise<boolean>;
  /** Called when a lock expired locally (the memory backend forgets it). */
  protected expired(_key: string, _token: string): void {}

  async acquire(key: string, options?: LockAcquireOptions): Promise<LockHandle> {
    const name = checkKey(key);
    const waitMs = parseWaitMs(options, this.config.waitMs);
    const startedAt = now();
    try {
      const handle = await this.acquireChecked(name, waitMs, startedAt + waitMs);
      recordLockAcquisition('acquired', (now() - startedAt) / 1000);
      return handle;
    } catch (error) {
      recordLockAcquisition((error as { code?: unknown } | null)?.code === 'ERR_LOCK_TIMEOUT' ? 'timeout' : 'error', (now() - startedAt) / 1000);
      throw error;
    }
  }

  /** `acquire()` of a checked key, without the metrics. */
  private async acquireChecked(name: string, waitMs: number, deadline: number): Promise<LockHandle> {
    let state = this.table.get(name);
    if (!state) {
      if (this.table.size >= this.config.maxLocks) {
        throw new KitError(
          'ERR_LOCK_TABLE_FULL',
          `Lock table full: this process already holds or waits for ${this.config.maxLocks} keys (maxLocks); release locks or raise maxLocks`,
        );
      }
      state = { busy: false, queue: [] };
      this.table.set(name, state);
    }
    if (state.busy) await this.waitTurn(name, state, waitMs);
    state.busy = true;
    try {
      const handle = await this.take(name, deadline, waitMs);
      state.held = handle;
      if (this.heldCount++ === 0) {
        this.unregisterShutdown = onShutdown(this.shutdownName, () => this.releaseAll().then(() => undefined), 'locks');
      }
      return handle;
    } catch (error) {
      this.passTurn(name, state);
      throw error;
    }
  }

  async release(key: string): Promise<boolean> {
    const held = this.table.get(checkKey(key))?.held;
    return held ? held.release() : false;
  }

  async withLock<T>(key: string, fn: (signal: AbortSignal) => Promise<T> | T, options?: LockAcquireOptions): Promise<T> {
    if (typeof fn !== 'function') throw new KitError('ERR_VALIDATION', 'withLock(key, fn): fn must be a function');
    const handle = (await this.acquire(key, options)) as HeldLock;
    const stopExtending = keepExtending(handle, this.config.extendEveryMs, (error) => {
      // Redis briefly unreachable: the next tick tries again, and the local expiry timer
      // aborts the signal if no extension succeeds before the lock's time runs out.
      log.debug(`extension of lock ${shown(handle.key)} failed, retrying`, { error: String(error) });
    });
    try {
      const result = await fn(handle.signal);
      if (handle.signal.aborted) throw handle.signal.reason;
      return result;
    } finally {
      stopExtending();
      await handle.release().catch((error: unknown) => {
        // The lock expires by itself; the caller's result matters more than this failure.
        log.warn(`release of lock ${shown(handle.key)} failed; it will expire after its timeout`, { error: String(error) });
      });
    }
  }

  async releaseAll(): Promise<number> {
    const held = [...this.table.values()].flatMap((state) => (state.held && !state.held.done ? [state.held] : []));
    const results = await Promise.allSettled(
      held.map((handle) => {
        handle.controller.abort(lockLost(handle.key, 'released by releaseAll()'));
        return handle.release();
      }),
    );
    return results.filter((r) => r.status === 'fulfilled' && r.value).length;
  }

  /** Keys this process holds right now (diagnostics). */
  heldKeys(): string[] {
    return [...this.table].flatMap(([key, state]) => (state.held && !state.held.done ? [key] : []));
  }

  private waitTurn(name: string, state: KeyState, waitMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { settled: false, resolve: () => {
        waiter.settled = true;
        if (waiter.timer) clearTimeout(waiter.timer);
        resolve();
      } };
      if (waitMs !== Infinity) {
        waiter.timer = setTimeout(() => {
          if (waiter.settled) return;
          waiter.settled = true;
          const index = state.queue.indexOf(waiter);
          if (index >= 0) state.queue.splice(index, 1);
          reject(this.timeoutError(name, waitMs));
        }, waitMs);
      }
      state.queue.push(waiter);
    });
  }

  /** Hands the key to this process's next waiter, or forgets it. */
  private passTurn(name: string, state: KeyState): void {
    state.held = undefined;
    const next = state.queue.shift();
    if (next) {
      next.resolve();
      return;
    }
    state.busy = false;
    if (this.table.get(name) === state) this.table.delete(name);
  }

  private timeoutError(name: string, waitMs: number): KitError {
    return new KitError('ERR_LOCK_TIMEOUT', `Lock ${shown(name)} was not acquired within ${waitMs} ms`);
  }

  /** Tries the backend until it gives the lock or the deadline passes (jittered exponential back-off). */
  private async take(name: string, deadline: number, waitMs: number): Promise<HeldLock> {
    const token = `${TOKEN_PREFIX}${(tokenCounter++).toString(36)}`;
    for (let attempt = 0; ; attempt++) {
      const startedAt = now();
      if (await this.tryLock(name, token, this.config.timeoutMs)) return this.createHandle(name, token, startedAt);
      const remaining = deadline - now();
      if (remaining <= 0) throw this.timeoutError(name, waitMs);
      const ceiling = Math.min(this.config.retryMaxDelayMs, this.retryBaseMs * 2 ** Math.min(attempt, 16));
      await sleep(Math.min(remaining, Math.max(1, Math.random() * ceiling)));
    }
  }

  private createHandle(name: string, token: string, startedAt: number): HeldLock {
    // The lifetime counts from before the command was sent, so locally we never believe in a
    // lock longer than Redis keeps it.
    const mutex = this;
    const handle: HeldLock = {
      key: name,
      token,
      controller: new AbortController(),
      done: false,
      expiresAt: startedAt + this.config.timeoutMs,
      get signal() {
        return handle.controller.signal;
      },
      get held() {
        return !handle.done;
      },
      remainingMs: () => (handle.done ? 0 : Math.max(0, handle.expiresAt - now())),
      extend: (ttlMs?: number) => mutex.extendHandle(handle, ttlMs),
      release: () => mutex.releaseHandle(handle),
    };
    this.armExpiry(handle);
    return handle;
  }

  private armExpiry(handle: HeldLock): void {
    if (handle.expiryTimer) clearTimeout(handle.expiryTimer);
    handle.expiryTimer = setTimeout(() => {
      this.expired(handle.key, handle.token);
      this.finish(handle, lockLost(handle.key, 'its timeout passed before it was released or extended'));
    }, Math.max(0, handle.expiresAt - now()));
    handle.expiryTimer.unref();
  }

  /** Marks a handle done (released or lost) and passes the key on. */
  private finish(handle: HeldLock, lost?: KitError): void {
    if (handle.done) return;
    handle.done = true;
    if (handle.expiryTimer) clearTimeout(handle.expiryTimer);
    if (lost && !handle.controller.signal.aborted) handle.controller.abort(lost);
    if (--this.heldCount === 0) {
      this.unregisterShutdown?.();
      this.unregisterShutdown = undefined;
    }
    const state = this.table.get(handle.key);
    if (state?.held === handle) this.passTurn(handle.key, state);
  }

  private async extendHandle(handle: HeldLock, ttlMs = this.config.timeoutMs): Promise<boolean> {
    parseTtlMs(ttlMs);
    if (handle.done) return false;
    const startedAt = now();
    const owned = await this.extendIfOwned(handle.key, handle.token, ttlMs);
    if (handle.done) return false;
    if (!owned) {
      this.finish(handle, lockLost(handle.key, 'another owner holds it (it expired and was taken over, or was deleted)'));
      return false;
    }
    handle.expiresAt = startedAt + ttlMs;
    this.armExpiry(handle);
    return true;
  }

  private async releaseHandle(handle: HeldLock): Promise<boolean> {
    if (handle.done) {
      // Lost locally; if the backend still has our token (local expiry is conservative),
      // the compare-and-delete removes it, and otherwise it touches nothing.
      return this.releaseIfOwned(handle.key, handle.token).catch(() => false);
    }
    if (handle.expiryTimer) clearTimeout(handle.expiryTimer);
    try {
      return await this.releaseIfOwned(handle.key, handle.token);
    } finally {
      this.finish(handle);
    }
  }
}
