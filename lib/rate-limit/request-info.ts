/**
 * `req.rateLimit`: what `rateLimit()` decided for this request, and its one-shot refund. No
 * Express import (the declaration merge below only names the global `Express.Request`).
 */

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
       * Set by the kit's `rateLimit()` (express-platform-kit/rate-limit). Delete an app's own
       * `rateLimit` declaration written for express-rate-limit: this type is a superset of
       * its `RateLimitInfo`.
       */
      rateLimit?: RateLimitRequestInfo;
    }
  }
}

/** Gives back what one request was charged; called at most once. */
export type RefundCharged = () => Promise<void>;

const nothingToRefund: Promise<void> = Promise.resolve();

/**
 * The `req.rateLimit` object: one allocation per request (the refund lives on the prototype,
 * `resetTime` is built only when read).
 */
export class RequestRateLimit implements RateLimitRequestInfo {
  #refund: RefundCharged | undefined;
  #refunded: Promise<void> | undefined;

  constructor(
    readonly limit: number,
    readonly used: number,
    readonly remaining: number,
    readonly resetAt: number,
    readonly key: string,
    readonly policy: string,
    readonly retryAfterMs: number,
    readonly cost: number,
    refund: RefundCharged | undefined,
  ) {
    this.#refund = refund;
  }

  get resetTime(): Date {
    return new Date(this.resetAt);
  }

  refund(): Promise<void> {
    if (this.#refunded !== undefined) return this.#refunded;
    const refund = this.#refund;
    this.#refund = undefined;
    this.#refunded = refund === undefined ? nothingToRefund : refund();
    return this.#refunded;
  }

  /** What `JSON.stringify(req.rateLimit)` shows (logs): the numbers, not the key. */
  toJSON(): Record<string, unknown> {
    return { limit: this.limit, used: this.used, remaining: this.remaining, resetAt: this.resetAt, policy: this.policy, retryAfterMs: this.retryAfterMs, cost: this.cost };
  }
}
