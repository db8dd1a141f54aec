/**
 * A bound on concurrent scrypt work. Each scrypt (N=2^14, r=8) holds one of libuv's thread
 * pool threads (4 by default) for tens of milliseconds and 16 MiB of memory; the same pool
 * serves `fs`, `dns.lookup` and zlib. Unbounded, 40 anonymous guesses at a real key's head
 * queue 40 scrypts ahead of every `fs.readFile` in the process. So at most `concurrency`
 * hashes run at once (default: half the pool), at most `maxQueued` wait, each for at most
 * `queueTimeoutMs`; beyond that the caller gets `ERR_API_KEY_BUSY` (a 503 with `Retry-After`
 * in the middleware) instead of a slower process.
 */
import { KitError } from '../errors/kit-error.js';

export interface HashLimiterOptions {
  concurrency: number;
  maxQueued: number;
  queueTimeoutMs: number;
}

export interface HashLimiter {
  /** Runs `task` when a slot is free; rejects with `ERR_API_KEY_BUSY` when none frees in time. */
  run<T>(task: () => Promise<T>): Promise<T>;
  readonly options: Readonly<HashLimiterOptions>;
}

interface Waiter {
  start: () => void;
  timer: NodeJS.Timeout;
}

/** The error of a refused hash: stable code, no key material. */
export function hashingBusyError(): KitError {
  return new KitError('ERR_API_KEY_BUSY', 'API key verification is saturated; retry shortly');
}

/** Creates a limiter; slots are taken synchronously, so callers see a deterministic order. */
export function createHashLimiter(options: HashLimiterOptions): HashLimiter {
  let running = 0;
  const queue: Waiter[] = [];

  function release(): void {
    running -= 1;
    const next = queue.shift();
    if (next) {
      clearTimeout(next.timer);
      next.start();
    }
  }

  function runNow<T>(task: () => Promise<T>): Promise<T> {
    running += 1;
    let result: Promise<T>;
    try {
      result = task();
    } catch (error) {
      result = Promise.reject(error);
    }
    return result.finally(release);
  }

  return {
    options: Object.freeze({ ...options }),
    run<T>(task: () => Promise<T>): Promise<T> {
      if (running < options.concurrency) return runNow(task);
      if (queue.length >= options.maxQueued) return Promise.reject(hashingBusyError());
      return new Promise<T>((resolve, reject) => {
        const waiter: Waiter = {
          start: () => runNow(task).then(resolve, reject),
          timer: setTimeout(() => {
            queue.splice(queue.indexOf(waiter), 1);
            reject(hashingBusyError());
          }, options.queueTimeoutMs),
        };
        waiter.timer.unref();
        queue.push(waiter);
      });
    },
  };
}

/** libuv's pool size for this process (`UV_THREADPOOL_SIZE`, default 4). */
function threadPoolSize(): number {
  const size = Number.parseInt(process.env.UV_THREADPOOL_SIZE ?? '', 10);
  return Number.isInteger(size) && size > 0 ? Math.min(size, 1024) : 4;
}

/** Defaults of the process-wide limiter: half the thread pool stays free for everything else. */
export const DEFAULT_HASH_LIMITS: Readonly<HashLimiterOptions> = Object.freeze({
  concurrency: Math.max(1, Math.floor(threadPoolSize() / 2)),
  maxQueued: 64,
  queueTimeoutMs: 2_000,
});

let shared: HashLimiter | undefined;

/**
 * The limiter of every `APIKeyManager` created without its own limits: the thread pool is
 * process-wide, so the bound must be too (several managers must not add up their bounds).
 */
export function sharedHashLimiter(): HashLimiter {
  shared ??= createHashLimiter(DEFAULT_HASH_LIMITS);
  return shared;
}
