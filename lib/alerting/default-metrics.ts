/**
 * prom-client's default process metrics (`process_cpu_seconds_total`, `nodejs_heap_size_used_bytes`,
 * event-loop lag, GC…) on a registry, at most once per registry: prom-client throws when the
 * same names are registered twice, and every `requestMetrics({ collectDefaultMetrics: true })`
 * of an app (one per router, say) shares the registry.
 */
import { collectDefaultMetrics, type Registry } from 'prom-client';

const collecting = new WeakSet<Registry>();

/** A metric that prom-client's `collectDefaultMetrics()` always registers. */
const MARKER = 'process_cpu_user_seconds_total';

/** Starts prom-client's default metrics on `registry` unless they are already there (by the kit or by the app). */
export function collectDefaultMetricsOnce(registry: Registry): void {
  if (collecting.has(registry)) return;
  collecting.add(registry);
  if (registry.getSingleMetric(MARKER)) return; // the app called collectDefaultMetrics() itself
  collectDefaultMetrics({ register: registry });
}
