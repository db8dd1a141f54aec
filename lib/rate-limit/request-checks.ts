/**
 * What one request is checked against when `rateLimit()` has per-request options (`limit` or
 * `windowMs` functions, `cost`, `policies`): each option evaluated once per request, sync
 * values without a promise, async ones together. Express appears only as a type.
 */
import type { Request } from 'express';
import type { PerRequest, RateLimitMiddlewarePolicy } from './middleware-options.js';
import { isPromiseLike, type MaybePromise, type RateLimitCheck } from './types.js';

/** One policy of a middleware, as set up once: its name, its values or functions, its counters' namespace. */
export interface PolicyPlan {
  readonly name: string;
  readonly limit: PerRequest<number> | undefined;
  readonly windowMs: PerRequest<number> | undefined;
  readonly keyGenerator: RateLimitMiddlewarePolicy['keyGenerator'];
  /** Prepended to the client key: `''` for the single policy (the limiter's own counters), `<name>:` in `policies`. */
  readonly keyPrefix: string;
}

/** A request's checks, and the client key of each (for headers and `req.rateLimit.key`). */
export interface RequestChecks {
  checks: RateLimitCheck[];
  clientKeys: string[];
}

const evaluate = <T>(option: PerRequest<T> | undefined, req: Request): MaybePromise<T | undefined> =>
  (typeof option === 'function' ? (option as (req: Request) => T | Promise<T>)(req) : option);

/** `values` once all are known: now when none is a promise, else a promise of all of them. */
function allOf(values: MaybePromise<unknown>[]): MaybePromise<unknown[]> {
  for (const value of values) if (isPromiseLike(value)) return Promise.all(values);
  return values;
}

/**
 * The checks of one request: one per plan, with `cost` (evaluated once, the same for every
 * policy), and each plan's limit, window and key.
 */
export function requestChecks(plans: readonly PolicyPlan[], cost: PerRequest<number> | undefined, req: Request, key: string): MaybePromise<RequestChecks> {
  const values: MaybePromise<unknown>[] = [evaluate(cost, req)];
  for (const plan of plans) {
    values.push(evaluate(plan.limit, req), evaluate(plan.windowMs, req), plan.keyGenerator === undefined ? undefined : plan.keyGenerator(req));
  }
  const build = (resolved: unknown[]): RequestChecks => {
    const units = resolved[0] as number | undefined;
    const checks: RateLimitCheck[] = [];
    const clientKeys: string[] = [];
    plans.forEach((plan, i) => {
      const custom = resolved[1 + i * 3 + 2];
      const clientKey = typeof custom === 'string' && custom !== '' ? custom : key;
      const check: RateLimitCheck = { key: plan.keyPrefix + clientKey };
      if (units !== undefined) check.cost = units;
      const limit = resolved[1 + i * 3] as number | undefined;
      const windowMs = resolved[1 + i * 3 + 1] as number | undefined;
      if (limit !== undefined) check.limit = limit;
      if (windowMs !== undefined) check.windowMs = windowMs;
      checks.push(check);
      clientKeys.push(clientKey);
    });
    return { checks, clientKeys };
  };
  const all = allOf(values);
  return isPromiseLike(all) ? all.then(build) : build(all);
}
