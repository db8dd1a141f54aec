/**
 * The periodic evaluator: every `intervalMs` it turns the request metrics recorded by
 * `requestMetrics()` (deltas since the previous tick) and the process metrics into one
 * snapshot and hands it to an `AlertManager`.
 */
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { parseOptions } from '../config/settings.js';
import type { Env } from '../config/env.js';
import { getLogger } from '../logging/logger.js';
import { onShutdown } from '../shutdown/index.js';
import { AlertManager } from './alert-manager.js';
import { platformMetricsRegistry } from './middleware.js';
import { METRICS_DIALECTS, OTEL_PROMETHEUS_DURATION_NAME, requestMetricNames, type MetricsDialect } from './request-recorder.js';
import { createProcessSampler } from './process-metrics.js';
import { loadAlertingSettings } from './settings.js';
import type { AlertEvaluation, AlertMetrics } from './types.js';

export interface AlertEvaluatorOptions {
  /** The manager that receives every snapshot. Required. */
  manager: AlertManager;
  /** Period, ms. Default env `ALERT_EVALUATION_INTERVAL_MS` (15000). */
  intervalMs?: number;
  /** Registry `requestMetrics()` records into. Default the kit's registry. */
  registry?: Registry;
  /** Prefix given to `requestMetrics()`. Default `http_`. */
  prefix?: string;
  /**
   * Dialect given to `requestMetrics()`. Default `prometheus`. With `opentelemetry`, requests are
   * the histogram's count and errors the requests answered with a 5xx.
   */
  dialect?: MetricsDialect;
  /** Include `cpu` and `memory` of this process. Default true. */
  processMetrics?: boolean;
  /** Fewer requests than this in a tick report an error rate of 0 (one failure in two requests is not 50%). Default 1. */
  minRequests?: number;
  /** More metrics to add to every snapshot (queue depth, …). */
  extraMetrics?: () => AlertMetrics | Promise<AlertMetrics>;
  /** Called after each evaluation (tests, dashboards). */
  onEvaluation?: (result: AlertEvaluation, metrics: AlertMetrics) => void;
  env?: Env;
}

/** The running evaluator. */
export interface AlertEvaluatorHandle {
  /** Stops the timer and waits for a running evaluation. Also run by `gracefulShutdown` (phase `app`). */
  stop(): Promise<void>;
  /** Runs one evaluation now (the timer keeps its schedule). */
  evaluateNow(): Promise<AlertEvaluation>;
}

const optionsSchema = z.object({
  manager: z.instanceof(AlertManager, { message: 'must be an AlertManager' }),
  intervalMs: z.number().int().min(10).max(86_400_000).optional(),
  registry: z.custom<Registry>((value) => typeof value === 'object' && value !== null && typeof (value as Registry).getSingleMetric === 'function', { message: 'must be a prom-client Registry' }).optional(),
  prefix: z.string().default('http_'),
  dialect: z.enum(METRICS_DIALECTS as [MetricsDialect, ...MetricsDialect[]]).default('prometheus'),
  processMetrics: z.boolean().default(true),
  minRequests: z.number().int().min(1).default(1),
  extraMetrics: z.function().optional(),
  onEvaluation: z.function().optional(),
  env: z.record(z.string(), z.string().optional()).optional(),
});

interface Totals {
  requests: number;
  errors: number;
  durationSum: number;
  durationCount: number;
  at: number;
}

type LabelFilter = (labels: Record<string, unknown>) => boolean;

async function sumOf(registry: Registry, name: string, series?: string, where?: LabelFilter): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  let total = 0;
  for (const value of values) {
    const metricName = (value as { metricName?: string }).metricName;
    if (where && !where(value.labels)) continue;
    if (series === undefined ? metricName === undefined || metricName === name : metricName === series) total += value.value;
  }
  return total;
}

/** A 5xx in the opentelemetry dialect (the label is a string there). */
const serverError: LabelFilter = (labels) => Number(labels.http_response_status_code) >= 500;

/**
 * Starts evaluating every `intervalMs`: `errorRate` (errors / requests in the interval),
 * `requestRate` (per second), `latencyMs` (mean in the interval), `cpu` and `memory`. The timer
 * is unref'd (it never keeps the process alive) and stopped by `gracefulShutdown`.
 *
 * @example
 * ```ts
 * const evaluator = startAlertEvaluator({ manager: alerts, intervalMs: 15_000 })
 * // later: await evaluator.stop()
 * ```
 */
export function startAlertEvaluator(options: AlertEvaluatorOptions): AlertEvaluatorHandle {
  const parsed = parseOptions(optionsSchema, options, 'startAlertEvaluator options');
  const intervalMs = parsed.intervalMs ?? loadAlertingSettings(parsed.env).evaluationIntervalMs;
  const registry: Registry = parsed.registry ?? platformMetricsRegistry;
  const names = requestMetricNames(parsed.prefix);
  const sample = parsed.processMetrics ? createProcessSampler() : undefined;
  const logger = getLogger('alerting');

  const otel = parsed.dialect === 'opentelemetry';
  const duration = otel ? OTEL_PROMETHEUS_DURATION_NAME : names.duration;
  const totals = async (): Promise<Totals> => {
    const [requests, errors, durationSum, durationCount] = await Promise.all([
      otel ? sumOf(registry, duration, `${duration}_count`) : sumOf(registry, names.requests),
      otel ? sumOf(registry, duration, `${duration}_count`, serverError) : sumOf(registry, names.errors),
      sumOf(registry, duration, `${duration}_sum`),
      sumOf(registry, duration, `${duration}_count`),
    ]);
    return { requests, errors, durationSum, durationCount, at: Date.now() };
  };

  let previous: Promise<Totals> = totals();

  const evaluate = async (): Promise<AlertEvaluation> => {
    const before = await previous;
    const now = await totals();
    previous = Promise.resolve(now);
    // A reset registry makes totals go down: count from zero then.
    const delta = (a: number, b: number) => (a >= b ? a - b : a);
    const requests = delta(now.requests, before.requests);
    const errors = delta(now.errors, before.errors);
    const count = delta(now.durationCount, before.durationCount);
    const seconds = Math.max((now.at - before.at) / 1000, 0.001);
    const metrics: AlertMetrics = {
      errorRate: requests >= parsed.minRequests ? Math.min(1, errors / requests) : 0,
      requestRate: requests / seconds,
      ...(count > 0 ? { latencyMs: (delta(now.durationSum, before.durationSum) / count) * 1000 } : {}),
    };
    if (sample) {
      const process = sample();
      metrics.cpu = process.cpu;
      metrics.memory = process.memory;
    }
    if (options.extraMetrics) Object.assign(metrics, await options.extraMetrics());
    const result = await parsed.manager.evaluate(metrics);
    options.onEvaluation?.(result, metrics);
    return result;
  };

  // Evaluations run one at a time (each needs the totals of the previous one).
  let chain: Promise<unknown> = Promise.resolve();
  let inFlight = 0;
  const evaluateNow = (): Promise<AlertEvaluation> => {
    const run = chain.catch(() => undefined).then(evaluate);
    chain = run;
    inFlight++;
    run.finally(() => inFlight--).catch(() => undefined);
    return run;
  };

  const timer = setInterval(() => {
    if (inFlight > 0) return; // the previous evaluation is still running: skip this tick
    evaluateNow().catch((error: unknown) => {
      logger.error('alert evaluation failed', { error: error instanceof Error ? error.message : String(error) });
    });
  }, intervalMs);
  timer.unref();

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    unregister();
    await chain.catch(() => undefined);
  };
  const unregister = onShutdown('alert evaluator', stop, 'app');
  return { stop, evaluateNow };
}
