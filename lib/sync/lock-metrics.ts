/**
 * `lock_acquisitions_total{outcome}` and `lock_wait_seconds{outcome}` on the kit's metrics
 * registry, for both keyed mutexes (memory and Redis): recorded once per `acquire()` (and so
 * per `withLock()`), so lock contention shows on `/metrics` before it shows as timeouts.
 */
import { kitCounter, kitHistogram } from '../alerting/kit-metrics.js';

/** How one `acquire()` ended: got the lock, `ERR_LOCK_TIMEOUT`, or any other failure (Redis down, lock table full). */
export type LockOutcome = 'acquired' | 'timeout' | 'error';

/** Buckets of `lock_wait_seconds`: from an uncontended memory lock (< 1 ms) to the 60 s default timeout. */
export const LOCK_WAIT_BUCKETS: readonly number[] = Object.freeze([0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]);

const acquisitions = kitCounter('lock_acquisitions_total', 'Keyed-mutex acquire() calls by outcome (acquired, timeout, error)', ['outcome']);
const waits = kitHistogram('lock_wait_seconds', 'Time a keyed-mutex acquire() took until it got the lock or failed, by outcome', ['outcome'], [...LOCK_WAIT_BUCKETS]);

/** Records one finished `acquire()`. */
export function recordLockAcquisition(outcome: LockOutcome, seconds: number): void {
  const labels = { outcome };
  acquisitions.inc(labels);
  waits.observe(labels, seconds);
}
