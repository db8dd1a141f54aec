/**
 * What the middleware does while its store fails (`onStoreError`), and how an outage is
 * reported: one log line (and one coded warning) when it starts, one line with the count of
 * failed checks when it ends, never one per request. The 503s of `'closed'` carry
 * `reported: true`, so `errorHandler()` does not log each one again.
 */
import type { NextFunction } from 'express';
import { emitKitWarning } from '../config/warnings.js';
import { HttpError } from '../errors/http-error.js';
import { isKitError } from '../errors/kit-error.js';
import { getLogger } from '../logging/logger.js';
import type { RateLimiter } from './limiter.js';
import type { RateLimitTally } from './metrics.js';

/** What to do when the store (Redis) fails. */
export type RateLimitStoreFailureMode = 'open' | 'closed' | 'memory';

/** Counters of store failures seen by one middleware. */
export interface RateLimitStoreStats {
  /** Checks that failed because the store was unavailable. */
  storeErrors: number;
  /** Distinct outages (a run of failures ended by a successful check). */
  outages: number;
  /** Whether the last check failed. */
  storeDown: boolean;
}

/** Seconds a client is told to wait when the limiter answers 503 (`onStoreError: 'closed'`). */
const STORE_DOWN_RETRY_AFTER_SECONDS = 5;

const logger = getLogger('rate-limit');

/** The message of a store failure's cause (the failure itself is always ERR_STORE_UNAVAILABLE). */
function causeText(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  return error.cause instanceof Error ? error.cause.message : error.message;
}

/** One middleware's outage tracking and `onStoreError` behaviour. */
export interface StoreFailureHandler {
  readonly stats: RateLimitStoreStats;
  /**
   * A check failed: a store outage follows `mode` (`'memory'`: `retry` runs the same check on
   * the per-process fallback limiter); any other error goes to `next`.
   */
  failed(error: unknown, next: NextFunction, retry: (fallback: RateLimiter) => void | Promise<void>): void | Promise<void>;
  /** A check answered: ends an outage in progress. */
  answered(): void;
}

/**
 * The failure handling of one middleware; `fallback` is the memory limiter of mode `'memory'`,
 * `tally` the limiter's `/metrics` counts.
 */
export function storeFailureHandler(
  limiter: RateLimiter, mode: RateLimitStoreFailureMode, fallback: RateLimiter | undefined, tally?: RateLimitTally,
): StoreFailureHandler {
  const stats: RateLimitStoreStats = { storeErrors: 0, outages: 0, storeDown: false };
  let failedInOutage = 0;
  return {
    stats,
    answered() {
      if (!stats.storeDown) return;
      stats.storeDown = false;
      logger.info(`Rate limiter "${limiter.name}": store available again after ${failedInOutage} failed checks`, { failedChecks: failedInOutage });
      failedInOutage = 0;
    },
    failed(error, next, retry) {
      if (!(isKitError(error) && error.code === 'ERR_STORE_UNAVAILABLE')) {
        next(error);
        return undefined;
      }
      stats.storeErrors++;
      if (tally !== undefined) tally.storeErrors++;
      failedInOutage++;
      if (!stats.storeDown) {
        stats.storeDown = true;
        stats.outages++;
        const message = `Rate limiter "${limiter.name}": store (${limiter.store.kind}) unavailable; failing ${mode}`;
        logger.warn(message, { code: 'ERR_STORE_UNAVAILABLE', cause: causeText(error) });
        emitKitWarning('WARN_RATE_LIMIT_STORE_UNAVAILABLE', message, `${limiter.name}#${stats.outages}`);
      }
      if (mode === 'open') {
        next();
        return undefined;
      }
      if (mode === 'closed') {
        next(new HttpError(503, 'Rate limit service temporarily unavailable', {
          code: 'ERR_STORE_UNAVAILABLE', headers: { 'Retry-After': String(STORE_DOWN_RETRY_AFTER_SECONDS) }, cause: error, reported: true,
        }));
        return undefined;
      }
      return retry(fallback!);
    },
  };
}
