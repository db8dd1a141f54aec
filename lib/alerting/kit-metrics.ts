/**
 * The kit's own counters and histograms (rate-limit decisions, JWT failures, lock waits...),
 * registered once on {@link platformMetricsRegistry} so `metricsHandler()` serves them beside
 * the request metrics. Internal: modules call `kitCounter()` at setup time (never per request)
 * and keep the returned metric; the same name always answers the same metric.
 */
import { Counter, Histogram } from 'prom-client';
import { platformMetricsRegistry } from './middleware.js';

/**
 * The kit counter `name` (created on first use, the same one afterwards).
 *
 * @example
 * ```ts
 * const decisions = kitCounter('rate_limit_decisions_total', 'Rate-limit decisions by limiter and outcome', ['limiter', 'decision'])
 * const allowed = decisions.labels({ limiter: 'api', decision: 'allowed' }) // bind once, inc() per request
 * ```
 */
export function kitCounter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
  const existing = platformMetricsRegistry.getSingleMetric(name);
  if (existing instanceof Counter) return existing as Counter<L>;
  return new Counter<L>({ name, help, labelNames, registers: [platformMetricsRegistry] });
}

/** The kit histogram `name` (seconds), created on first use. */
export function kitHistogram<L extends string>(name: string, help: string, labelNames: readonly L[], buckets?: number[]): Histogram<L> {
  const existing = platformMetricsRegistry.getSingleMetric(name);
  if (existing instanceof Histogram) return existing as Histogram<L>;
  return new Histogram<L>({ name, help, labelNames, registers: [platformMetricsRegistry], ...(buckets ? { buckets } : {}) });
}
