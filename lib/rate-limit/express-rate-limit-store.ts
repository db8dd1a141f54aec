/**
 * `ExpressRateLimitStore`: express-rate-limit's `Store` interface on top of the kit's limiter,
 * so a service already on express-rate-limit swaps one option (`store`) and gets the kit's
 * atomic, cluster-aware checks. No import of express-rate-limit (not a dependency of the kit):
 * the shapes below are the parts of its v7/v8 types this class reads and answers, structurally
 * compatible with them.
 */
import { ConfigError } from '../config/settings.js';
import { isKitError } from '../errors/kit-error.js';
import { BoundedMap } from './bounded-map.js';
import type { RateLimiter } from './limiter.js';
import { rateLimitTally, type RateLimitTally } from './metrics.js';
import { isPromiseLike, type RateLimitResult } from './types.js';

/** What express-rate-limit's `increment` and `get` answer (its `ClientRateLimitInfo`). */
export interface ExpressRateLimitClientInfo {
  totalHits: number;
  resetTime: Date | undefined;
}

/** The options express-rate-limit hands to `Store.init` that this store checks. */
export interface ExpressRateLimitInitOptions {
  windowMs: number;
  /** express-rate-limit's `limit`: must be a number equal to the limiter's. */
  limit: unknown;
  skipFailedRequests?: boolean;
  skipSuccessfulRequests?: boolean;
}

/** Options of {@link ExpressRateLimitStore}. */
export interface ExpressRateLimitStoreOptions {
  /** A `createRateLimiter()` result: its policy, store (memory, Redis, Cluster) and name. */
  limiter: RateLimiter;
  /**
   * Prepended to every key express-rate-limit hands over (default `''`): two express-rate-limit
   * middlewares sharing one limiter keep separate counts with two prefixes. The limiter's keys
   * are already namespaced by its `name`.
   */
  prefix?: string;
}

/** Most keys whose uncounted denials one store remembers (see `decrement`). */
const MAX_DENIAL_KEYS = 10_000;

/**
 * express-rate-limit's `Store` on the kit's limiter.
 *
 * Differences from express-rate-limit's own stores, because the limiter is all-or-nothing: a
 * denied request is not counted (`totalHits` answers `limit + 1` so express-rate-limit denies
 * it, and `resetTime` is when a retry succeeds, so its `Retry-After` is accurate), and
 * `decrement` after such a denial (`skipFailedRequests` sees a 429 as failed) gives back
 * nothing. `decrement` otherwise is `limiter.refund(key, 1)`, atomic on Redis.
 *
 * @example
 * ```ts
 * import { rateLimit as expressRateLimit } from 'express-rate-limit'
 * import { createRateLimiter, ExpressRateLimitStore } from 'express-platform-kit/rate-limit'
 * const limiter = createRateLimiter({ name: 'api', limit: 100, windowMs: 60_000, redis: process.env.REDIS_URL })
 * app.use(expressRateLimit({ limit: 100, windowMs: 60_000, store: new ExpressRateLimitStore({ limiter }) }))
 * ```
 */
export class ExpressRateLimitStore {
  /** Counts are shared by every process on the same store: express-rate-limit's double-count check needs this. */
  readonly localKeys = false;
  /** What express-rate-limit's double-count check tells stores apart by: the limiter name and `prefix`. */
  readonly prefix: string;
  readonly limiter: RateLimiter;
  readonly #keyPrefix: string;
  readonly #tally: RateLimitTally;
  #initError: ConfigError | undefined;
  /** Denials express-rate-limit may still `decrement` (it decrements what it thinks it counted), per key. */
  readonly #uncountedDenials = new BoundedMap<string, { count: number; until: number }>(MAX_DENIAL_KEYS);
  #remembersDenials = true;

  constructor(options: ExpressRateLimitStoreOptions) {
    const issues: { variable: string; message: string }[] = [];
    const limiter = options?.limiter;
    if (typeof limiter !== 'object' || limiter === null || typeof limiter.hit !== 'function') {
      issues.push({ variable: 'limiter', message: 'must be a createRateLimiter() result' });
    }
    if (options?.prefix !== undefined && typeof options.prefix !== 'string') issues.push({ variable: 'prefix', message: 'must be a string' });
    if (issues.length > 0) throw new ConfigError(issues, 'ExpressRateLimitStore options');
    this.limiter = limiter;
    this.#keyPrefix = options.prefix ?? '';
    this.prefix = `${limiter.name}:${this.#keyPrefix}`;
    this.#tally = rateLimitTally(limiter.name);
  }

  /**
   * Called by express-rate-limit once with its options: its `limit` and `windowMs` must be the
   * limiter's (a `ConfigError` otherwise: express-rate-limit logs it, and every later
   * `increment` rejects with it, so a mismatch cannot pass unnoticed).
   */
  init(options: ExpressRateLimitInitOptions): void {
    const { limiter } = this;
    const issues: { variable: string; message: string }[] = [];
    if (typeof options.limit !== 'number') {
      issues.push({ variable: 'limit', message: `must be a number equal to the limiter's (${limiter.capacity}): the limiter enforces its own limit. For a limit per request use the kit's rateLimit() with limit as a function` });
    } else if (options.limit !== limiter.capacity) {
      issues.push({ variable: 'limit', message: `express-rate-limit's limit (${options.limit}) differs from the limiter "${limiter.name}"'s (${limiter.capacity})` });
    }
    if (options.windowMs !== limiter.windowMs) {
      issues.push({ variable: 'windowMs', message: `express-rate-limit's windowMs (${options.windowMs}) differs from the limiter "${limiter.name}"'s (${limiter.windowMs})` });
    }
    this.#remembersDenials = options.skipFailedRequests === true || options.skipSuccessfulRequests === true;
    if (issues.length > 0) {
      this.#initError = new ConfigError(issues, 'ExpressRateLimitStore (express-rate-limit options vs the limiter)');
      throw this.#initError;
    }
  }

  /** Counts one request (all or nothing), through the limiter's store. */
  increment(key: string): ClientInfoAnswer {
    if (this.#initError !== undefined) return Promise.reject(this.#initError);
    const answer = this.limiter.hit(this.#keyPrefix + key);
    if (!isPromiseLike(answer)) return this.#answer(key, answer);
    return answer.then((result) => this.#answer(key, result), (error: unknown) => {
      if (isKitError(error) && error.code === 'ERR_STORE_UNAVAILABLE') this.#tally.storeErrors++;
      throw error;
    });
  }

  #answer(key: string, result: RateLimitResult): ExpressRateLimitClientInfo {
    const { capacity } = this.limiter;
    if (result.allowed) {
      this.#tally.allowed++;
      return { totalHits: capacity - result.remaining, resetTime: new Date(result.resetAt) };
    }
    this.#tally.limited++;
    const until = Date.now() + result.retryAfterMs;
    if (this.#remembersDenials) {
      const denials = this.#uncountedDenials.get(key);
      if (denials === undefined || denials.until <= Date.now()) this.#uncountedDenials.set(key, { count: 1, until });
      else {
        denials.count++;
        denials.until = Math.max(denials.until, until);
      }
    }
    return { totalHits: capacity + 1, resetTime: new Date(until) };
  }

  /**
   * Gives back one request express-rate-limit counted (`skipFailedRequests`,
   * `skipSuccessfulRequests`): `limiter.refund(key, 1)`, except after a denial, which counted
   * nothing.
   */
  async decrement(key: string): Promise<void> {
    const denials = this.#uncountedDenials.get(key);
    if (denials !== undefined) {
      if (denials.until > Date.now()) {
        if (--denials.count === 0) this.#uncountedDenials.delete(key);
        return;
      }
      this.#uncountedDenials.delete(key);
    }
    await this.limiter.refund(this.#keyPrefix + key, 1);
  }

  /** The client's count (`undefined` when it has none), without counting. */
  async get(key: string): Promise<ExpressRateLimitClientInfo | undefined> {
    const info = await this.limiter.info(this.#keyPrefix + key);
    return info.current === 0 ? undefined : { totalHits: info.current, resetTime: new Date(info.resetAt) };
  }

  /** Forgets the client's count. */
  async resetKey(key: string): Promise<void> {
    this.#uncountedDenials.delete(key);
    await this.limiter.reset(this.#keyPrefix + key);
  }
}

/** `increment`'s answer: now for a memory limiter, later for Redis. */
type ClientInfoAnswer = ExpressRateLimitClientInfo | Promise<ExpressRateLimitClientInfo>;
