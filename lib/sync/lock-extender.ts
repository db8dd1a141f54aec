import type { LockHandle } from './types.js';

/**
 * Extends `handle` every `everyMs` (a chain of timeouts, so two extensions never overlap)
 * until the returned function is called or the lock is gone. A failed extension is reported
 * to `onError` and retried at the next tick. Timers are unref'ed: holding a lock never keeps
 * the process alive by itself.
 */
export function keepExtending(handle: LockHandle, everyMs: number, onError: (error: unknown) => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = (): void => {
    timer = setTimeout(() => {
      handle.extend().then(
        () => {
          if (!stopped && handle.held) schedule();
        },
        (error: unknown) => {
          onError(error);
          if (!stopped && handle.held) schedule();
        },
      );
    }, everyMs);
    timer.unref();
  };
  schedule();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
