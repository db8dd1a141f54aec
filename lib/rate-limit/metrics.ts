/**
 * The rate limiter's metrics on the kit's `/metrics` (platformMetricsRegistry):
 * `rate_limit_decisions_total{limiter,decision}` (decision `allowed` | `limited`) and
 * `rate_limit_store_errors_total{limiter}`.
 *
 * Why plain integers: the request path only does `tally.allowed++`; prom-client reads the
 * tallies when `/metrics` is scraped (a `collect` callback), so a decision costs no label
 * lookup, hashing or object allocation. Several middlewares of one limiter name add up.
 */
import type { Counter } from 'prom-client';
import { kitCounter } from '../alerting/kit-metrics.js';

/** One middleware's (or adapter's) counts; only ever incremented. */
export interface RateLimitTally {
  readonly limiter: string;
  allowed: number;
  limited: number;
  storeErrors: number;
}

/** One tally per limiter name (middlewares sharing a name add up), read at scrape time. */
const tallies = new Map<string, RateLimitTally>();

const DECISIONS = 'rate_limit_decisions_total';
const STORE_ERRORS = 'rate_limit_store_errors_total';

type Collectable = Counter<string> & { collect?: () => void };

// `reset()` then `inc(total)`: the tallies are running totals and prom-client's counter has no set().
function collectDecisions(this: Counter<'limiter' | 'decision'>): void {
  this.reset();
  for (const tally of tallies.values()) {
    if (tally.allowed > 0) this.inc({ limiter: tally.limiter, decision: 'allowed' }, tally.allowed);
    if (tally.limited > 0) this.inc({ limiter: tally.limiter, decision: 'limited' }, tally.limited);
  }
}

function collectStoreErrors(this: Counter<'limiter'>): void {
  this.reset();
  for (const tally of tallies.values()) if (tally.storeErrors > 0) this.inc({ limiter: tally.limiter }, tally.storeErrors);
}

/**
 * Makes sure both counters exist on platformMetricsRegistry with their collect callbacks
 * (again after a registry `clear()`, which drops them).
 */
function registerCounters(): void {
  const decisions = kitCounter(DECISIONS, 'Rate-limit decisions by limiter name and outcome (allowed or limited)', ['limiter', 'decision']) as Collectable;
  if (decisions.collect !== collectDecisions) decisions.collect = collectDecisions as () => void;
  const errors = kitCounter(STORE_ERRORS, 'Rate-limit checks that failed because the store (Redis) was unavailable, by limiter name', ['limiter']) as Collectable;
  if (errors.collect !== collectStoreErrors) errors.collect = collectStoreErrors as () => void;
}

/** The tally of limiter `limiter` (fetched once per middleware, at setup), counted on `/metrics`. */
export function rateLimitTally(limiter: string): RateLimitTally {
  registerCounters();
  let tally = tallies.get(limiter);
  if (tally === undefined) tallies.set(limiter, (tally = { limiter, allowed: 0, limited: 0, storeErrors: 0 }));
  return tally;
}
