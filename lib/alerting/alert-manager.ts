/**
 * `AlertManager`: static rules + anomaly detection over metric snapshots, aggregation of
 * repeats, one notification per alert until it resolves, and a resolve notification.
 * Core logic only: no Express, no HTTP (notifiers live in notifiers.ts).
 */
import { z } from 'zod';
import { parseOptions } from '../config/settings.js';
import { KitError } from '../errors/kit-error.js';
import { getLogger } from '../logging/logger.js';
import { AnomalyDetector, type AnomalyDetectionOptions } from './anomaly.js';
import { loggerNotifier } from './notifiers.js';
import { breaches, DEFAULT_ALERT_RULES } from './rules.js';
import type { Alert, AlertEvaluation, AlertEvent, AlertMetrics, AlertNotifier, AlertRule } from './types.js';

export interface AlertManagerOptions {
  /** Where events go: one notifier or several. Default `loggerNotifier()`. */
  notifier?: AlertNotifier | AlertNotifier[];
  /** Static rules; replaces the defaults ({@link DEFAULT_ALERT_RULES}). `[]` = anomalies only. */
  rules?: AlertRule[];
  /** Anomaly detection options, or `false` to turn it off. Default on with its defaults. */
  anomaly?: AnomalyDetectionOptions | false;
  /** Consecutive clear evaluations before an alert resolves (damps flapping). Default 1. */
  resolveAfter?: number;
  /** Longest wait for one notifier before it is counted as failed. Default 30000. */
  notifyTimeoutMs?: number;
  /** Copied into every event (e.g. the service name). */
  source?: string;
}

const severity = z.enum(['low', 'medium', 'high', 'critical']);
const ruleSchema = z.object({
  name: z.string().min(1).max(200),
  metric: z.string().min(1).max(200),
  operator: z.enum(['>', '>=', '<', '<=']).default('>'),
  threshold: z.number().finite(),
  severity,
  description: z.string().max(500).optional(),
});
const notifierSchema = z.custom<AlertNotifier>((value) => typeof value === 'object' && value !== null && typeof (value as AlertNotifier).notify === 'function', {
  message: 'must be an object with a notify(event) function (e.g. webhookNotifier(), loggerNotifier())',
});
const optionsSchema = z.object({
  notifier: z.union([notifierSchema, z.array(notifierSchema)]).optional(),
  rules: z
    .array(ruleSchema)
    .refine((rules) => new Set(rules.map((r) => r.name)).size === rules.length, { message: 'rule names must be unique' })
    .optional(),
  anomaly: z
    .union([
      z.literal(false),
      z.object({
        windowSize: z.number().int().min(2).max(10_000).optional(),
        minSamples: z.number().int().min(2).max(10_000).optional(),
        relearnAfter: z.number().int().min(1).max(10_000).optional(),
        zThreshold: z.number().positive().finite().optional(),
        direction: z.enum(['both', 'up', 'down']).optional(),
        minRelativeStdDev: z.number().min(0).finite().optional(),
        minStdDev: z.union([z.number().min(0).finite(), z.record(z.string(), z.number().min(0).finite())]).optional(),
        metrics: z.array(z.string().min(1)).optional(),
        severity: severity.optional(),
      }),
    ])
    .optional(),
  resolveAfter: z.number().int().min(1).max(1000).default(1),
  notifyTimeoutMs: z.number().int().min(1).max(600_000).default(30_000),
  source: z.string().max(200).optional(),
});

type ParsedRule = z.output<typeof ruleSchema>;

interface Condition {
  id: string;
  holds: boolean;
  make: () => Omit<Alert, 'count' | 'firstSeen' | 'lastSeen' | 'status'>;
}

const format = (n: number) => (Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(4))));

/**
 * Evaluates metric snapshots against static rules and dynamic (anomaly) thresholds.
 *
 * @example
 * ```ts
 * const alerts = new AlertManager({ notifier: webhookNotifier({ url: 'https://hooks.example.com/alerts' }) })
 * await alerts.evaluate({ cpu: 93, memory: 40, errorRate: 0.01 }) // notifies "high_cpu" once
 * ```
 */
export class AlertManager {
  private readonly notifiers: AlertNotifier[];
  private readonly rules: ParsedRule[];
  private readonly detector: AnomalyDetector | null;
  private readonly anomalyMetrics: Set<string> | null;
  private readonly anomalySeverity: Alert['severity'];
  private readonly resolveAfter: number;
  private readonly notifyTimeoutMs: number;
  private readonly source: string | undefined;
  private readonly active = new Map<string, Alert>();
  private readonly clearStreak = new Map<string, number>();
  private readonly logger = getLogger('alerting');

  constructor(options: AlertManagerOptions = {}) {
    const parsed = parseOptions(optionsSchema, options, 'AlertManager options');
    const notifier = parsed.notifier ?? loggerNotifier();
    this.notifiers = Array.isArray(notifier) ? notifier : [notifier];
    this.rules = parsed.rules ?? DEFAULT_ALERT_RULES.map((rule) => ruleSchema.parse(rule));
    const anomaly = parsed.anomaly === undefined ? {} : parsed.anomaly;
    this.detector = anomaly === false ? null : new AnomalyDetector(anomaly);
    this.anomalyMetrics = anomaly !== false && anomaly.metrics ? new Set(anomaly.metrics) : null;
    this.anomalySeverity = (anomaly !== false && anomaly.severity) || 'medium';
    this.resolveAfter = parsed.resolveAfter;
    this.notifyTimeoutMs = parsed.notifyTimeoutMs;
    this.source = parsed.source;
  }

  /** Copies of the alerts active now. */
  activeAlerts(): Alert[] {
    return [...this.active.values()].map((alert) => structuredClone(alert));
  }

  /**
   * Applies every rule and the anomaly detector to one snapshot; notifies new and resolved
   * alerts (notifier failures are logged, never thrown). A metric missing from the snapshot
   * leaves its alerts as they are. Throws `ERR_VALIDATION` only when `metrics` is not an object.
   */
  async evaluate(metrics: AlertMetrics): Promise<AlertEvaluation> {
    if (typeof metrics !== 'object' || metrics === null || Array.isArray(metrics)) {
      throw new KitError('ERR_VALIDATION', 'evaluate(metrics) needs an object of metric name → number');
    }
    const conditions: Condition[] = [];
    for (const rule of this.rules) {
      const value = metrics[rule.metric];
      if (typeof value !== 'number' || !Number.isFinite(value)) continue;
      conditions.push({
        id: `rule:${rule.name}`,
        holds: breaches(value, rule.operator, rule.threshold),
        make: () => ({
          id: `rule:${rule.name}`,
          kind: 'threshold',
          name: rule.name,
          metric: rule.metric,
          severity: rule.severity,
          message: `${rule.description ?? rule.name}: ${rule.metric}=${format(value)} ${rule.operator} ${format(rule.threshold)}`,
          value,
          threshold: rule.threshold,
        }),
      });
    }
    if (this.detector) {
      for (const [metric, value] of Object.entries(metrics)) {
        if (typeof value !== 'number' || !Number.isFinite(value)) continue;
        if (this.anomalyMetrics && !this.anomalyMetrics.has(metric)) continue;
        const verdict = this.detector.observe(metric, value);
        if (!verdict.ready) continue;
        const id = `anomaly:${metric}`;
        conditions.push({
          id,
          holds: verdict.anomalous,
          make: () => ({
            id,
            kind: 'anomaly',
            name: `${metric}_anomaly`,
            metric,
            severity: this.anomalySeverity,
            message: `Anomaly in ${metric}: ${format(value)} is ${format(Math.abs(verdict.zScore))} robust deviations from the recent median ${format(verdict.mean)}`,
            value,
            threshold: verdict.bound,
            baseline: { mean: verdict.mean, stdDev: verdict.stdDev, zScore: verdict.zScore },
          }),
        });
      }
    }
    const now = new Date().toISOString();
    const triggered: Alert[] = [];
    const resolved: Alert[] = [];
    for (const condition of conditions) {
      const existing = this.active.get(condition.id);
      if (condition.holds) {
        this.clearStreak.delete(condition.id);
        if (existing) {
          const update = condition.make();
          existing.count += 1;
          existing.lastSeen = now;
          existing.value = update.value;
          existing.message = update.message;
          existing.threshold = update.threshold;
          if (update.baseline) existing.baseline = update.baseline;
        } else {
          const alert: Alert = { ...condition.make(), status: 'active', count: 1, firstSeen: now, lastSeen: now };
          this.active.set(condition.id, alert);
          triggered.push(structuredClone(alert));
        }
      } else if (existing) {
        const streak = (this.clearStreak.get(condition.id) ?? 0) + 1;
        if (streak < this.resolveAfter) {
          this.clearStreak.set(condition.id, streak);
          continue;
        }
        this.clearStreak.delete(condition.id);
        this.active.delete(condition.id);
        resolved.push({ ...structuredClone(existing), status: 'resolved', resolvedAt: now });
      }
    }
    await Promise.all([
      ...triggered.map((alert) => this.dispatch({ type: 'alert.triggered', alert, sentAt: now })),
      ...resolved.map((alert) => this.dispatch({ type: 'alert.resolved', alert, sentAt: now })),
    ]);
    return { triggered, resolved, active: this.activeAlerts() };
  }

  private async dispatch(event: AlertEvent): Promise<void> {
    const payload: AlertEvent = this.source ? { ...event, source: this.source } : event;
    await Promise.all(this.notifiers.map((notifier) => this.deliver(notifier, payload)));
  }

  private async deliver(notifier: AlertNotifier, event: AlertEvent): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new KitError('ERR_NOTIFIER_FAILED', `notifier did not finish within ${this.notifyTimeoutMs} ms`)), this.notifyTimeoutMs);
        timer.unref();
      });
      await Promise.race([Promise.resolve().then(() => notifier.notify(event)), timeout]);
    } catch (error) {
      this.logger.error('alert notifier failed', {
        notifier: notifier.name,
        event: event.type,
        alert: event.alert.id,
        error: error instanceof Error ? error.message : String(error),
        code: (error as { code?: unknown } | null)?.code,
      });
    } finally {
      clearTimeout(timer);
    }
  }
}
