/**
 * `req.rateLimit`: what `rateLimit()` decided for this request, and its one-shot refund. No
 * Express import (the declaration merge below only names the global `Express.Request`).
 */
import { isKitError } from '../errors/kit-error.js';
import { getLogger } from '../logging/logger.js';
import type { RateLimiter, RateLimitPolicyOptions } from './limiter.js';
import type { RateLimitCheck } from './types.js';

/**
 * The rate limit of the current request, set by `rateLimit()` on `req.rateLimit`. A superset of
 * express-rate-limit's `RateLimitInfo` (`limit`, `used`, `remaining`, `resetTime`, `key`), so
 * code written against express-rate-limit keeps compiling and working.
 */
export interface RateLimitRequestInfo {
  /** The policy's limit (token bucket: its capacity). */
  readonly limit: number;
  /** Units counted against the key in this window, this request's included (when allowed). */
  readonly used: number;
  /** Units still available after this request. */
  readonly remaining: number;
  /** Epoch milliseconds at which the full quota is back. */
  readonly resetAt: number;
  /** `resetAt` as a `Date`: express-rate-limit's name for it. */
  readonly resetTime: Date;
  /** The client key the request was counted under. */
  readonly key: string;
  /** The policy name: the limiter's `name`, or the `name` of the policy in `policies` this is about. */
  readonly policy: string;
  /** 0 when allowed; otherwise milliseconds until a retry can succeed. */
  readonly retryAfterMs: number;
  /** The units this request was charged (`cost`), 0 when it was refused. */
  readonly cost: number;
  /**
   * Gives this request's units back (every policy it was charged on). Idempotent: a second
   * call, or the automatic refund of `skipFailedRequests`/`skipSuccessfulRequests` after
   * yours, gives nothing back. Resolves when the store has applied it; never rejects (a failed
   * refund is logged: the units stay counted, the safe side).
   */
  refund(): Promise<void>;
}

declare global {
  namespace Express {
    interface Request {
      /**
       * Set by the kit's `rateLimit()` (express-platform-kit/rate-limit) before the route runs;
       * absent where no limiter ran. Declared without `?`, as express-rate-limit's
       * `AugmentedRequest` has it, so code written for express-rate-limit
       * (`(req as AugmentedRequest).rateLimit.used`) keeps compiling: a declared property wins
       * over its index signature, and this type is a superset of its `RateLimitInfo`. Delete an
       * app's own `rateLimit` declaration written for express-rate-limit.
       */
      rateLimit: RateLimitRequestInfo;
    }
  }
}

const nothingToRefund: Promise<void> = Promise.resolve();
const logger = getLogger('rate-limit');

/** Gives `check`'s units back on `limiter`, under the check's own policy. */
function refundCheck(limiter: RateLimiter, check: RateLimitCheck): Promise<unknown> {
  const units = check.cost ?? 1;
  if (units === 0) return nothingToRefund;
  if (check.limit === undefined && check.windowMs === undefined) return limiter.refund(check.key, units);
  const policy: RateLimitPolicyOptions = {};
  if (check.limit !== undefined) policy.limit = check.limit;
  if (check.windowMs !== undefined) policy.windowMs = check.windowMs;
  return limiter.refund(check.key, units, policy);
}

/**
 * The `req.rateLimit` object: one allocation per request. What was charged is kept as data
 * (the limiter, and a key or the checks), not as a closure; the refund lives on the prototype,
 * `resetTime` is built only when read.
 */
export class RequestRateLimit implements RateLimitRequestInfo {
  #limiter: RateLimiter | undefined;
  #charged: string | readonly RateLimitCheck[] | undefined;
  #refunded: Promise<void> | undefined;

  /** `charged`: the storage-side key of a plain one-unit check, or the checks of a request with per-request options. */
  constructor(
    readonly limit: number,
    readonly used: number,
    readonly remaining: number,
    readonly resetAt: number,
    readonly key: string,
    readonly policy: string,
    readonly retryAfterMs: number,
    readonly cost: number,
    limiter: RateLimiter | undefined,
    charged: string | readonly RateLimitCheck[] | undefined,
  ) {
    this.#limiter = limiter;
    this.#charged = charged;
  }

  get resetTime(): Date {
    return new Date(this.resetAt);
  }

  refund(): Promise<void> {
    if (this.#refunded !== undefined) return this.#refunded;
    const limiter = this.#limiter;
    const charged = this.#charged;
    this.#limiter = undefined;
    this.#charged = undefined;
    if (limiter === undefined || charged === undefined) {
      this.#refunded = nothingToRefund;
      return nothingToRefund;
    }
    const done = typeof charged === 'string' ? limiter.refund(charged, 1) : Promise.all(charged.map((check) => refundCheck(limiter, check)));
    this.#refunded = done.then(() => undefined, (error: unknown) => {
      // the units stay counted: the safe side, worth one line, never a failed response
      logger.warn(`Rate limiter "${limiter.name}": refund failed; the request stays counted`, { code: isKitError(error) ? error.code : undefined, cause: error instanceof Error ? error.message : String(error) });
    });
    return this.#refunded;
  }

  /** What `JSON.stringify(req.rateLimit)` shows (logs): the numbers and the policy, not the key. */
  toJSON(): Record<string, unknown> {
    return { limit: this.limit, used: this.used, remaining: this.remaining, resetAt: this.resetAt, policy: this.policy, retryAfterMs: this.retryAfterMs, cost: this.cost };
  }
}
