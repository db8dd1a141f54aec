/**
 * `AlertManager`: static rules + anomaly detection over metric snapshots, aggregation of
 * repeats, one notification per alert until it resolves, escalation while it lasts, and a
 * resolve notification. Alert state lives in Redis when one is configured, so N replicas
 * evaluating the same rules notify each incident once (memory when alone).
 * Core logic only: no Express, no HTTP (notifiers live in notifiers.ts).
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { parseOptions } from '../config/settings.js';
import type { Env } from '../config/env.js';
import { KitError } from '../errors/kit-error.js';
import { getLogger } from '../logging/logger.js';
import { resolveRedis, type RedisOption } from '../redis/index.js';
import { AnomalyDetector, type AnomalyDetectionOptions } from './anomaly.js';
import { anomalyConditions, ruleConditions, type AnomalySetup, type Condition, type ParsedRule } from './conditions.js';
import { loggerNotifier } from './notifiers.js';
import { DEFAULT_ALERT_RULES } from './rules.js';
import { transition, type EscalationPolicy, type TransitionPolicy } from './state.js';
import { MemoryAlertStore, RedisAlertStore, type AlertStateStore } from './store.js';
import type { Alert, AlertEvaluation, AlertEvent, AlertMetrics, AlertNotifier, AlertRule, AlertSeverity } from './types.js';

export interface AlertManagerOptions {
  /** Where events go: one notifier or several. Default `loggerNotifier()`. */
  notifier?: AlertNotifier | AlertNotifier[];
  /** Static rules; replaces the defaults ({@link DEFAULT_ALERT_RULES}). `[]` = anomalies only. */
  rules?: AlertRule[];
  /** Anomaly detection options, or `false` to turn it off. Default on with its defaults. */
  anomaly?: AnomalyDetectionOptions | false;
  /** Consecutive clear evaluations (on this replica) before it stops holding an alert (damps flapping). Default 1. */
  resolveAfter?: number;
  /** Longest wait for one notifier before it is counted as failed. Default 30000. */
  notifyTimeoutMs?: number;
  /** Copied into every event (e.g. the service name). */
  source?: string;
  /**
   * Raise an alert that lasts one severity step (and notify `alert.escalated`) after `afterMs`
   * at one severity or `afterCount` more evaluations holding it; step down again
   * (`alert.deescalated`) when the breach margin shrank by `improvement` (default 0.25) since the
   * last step. Steps stop at `maxSeverity` (default `critical`) and at the rule's own severity.
   * Default off.
   */
  escalation?: { afterMs?: number; afterCount?: number; maxSeverity?: AlertSeverity; deescalate?: boolean; improvement?: number };
  /** Shared alert state: a client or URL, `false` for memory. Default `REDIS_URL` when set, else memory. */
  redis?: RedisOption | false;
  /** Namespace of the Redis keys: managers sharing rules across replicas share a name. Default `default`. */
  name?: string;
  /** This replica's id in the shared state. Default `<hostname>:<pid>:<random>`. */
  replicaId?: string;
  /** A replica that held an alert and went silent this long (crashed) no longer keeps it active. Default 120000. */
  staleAfterMs?: number;
  /** Deadline of each Redis call of the state store. Default 1000. */
  storeTimeoutMs?: number;
  /** Environment for `REDIS_URL` (tests). */
  env?: Env;
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
  escalation: z
    .object({
      afterMs: z.number().int().min(1).max(2 ** 31 - 1).optional(),
      afterCount: z.number().int().min(1).max(1_000_000).optional(),
      maxSeverity: severity.default('critical'),
      deescalate: z.boolean().default(true),
      improvement: z.number().min(0).max(1).default(0.25),
    })
    .refine((e) => e.afterMs !== undefined || e.afterCount !== undefined, { message: 'needs afterMs or afterCount' })
    .optional(),
  redis: z.unknown().optional(),
  name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, { message: 'letters, digits, ".", "_", "-" (up to 64)' }).default('default'),
  replicaId: z.string().min(1).max(200).optional(),
  staleAfterMs: z.number().int().min(1).max(2 ** 31 - 1).default(120_000),
  storeTimeoutMs: z.number().int().min(1).max(60_000).default(1000),
  env: z.record(z.string(), z.string().optional()).optional(),
});


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
  private readonly anomaly: AnomalySetup | null;
  private readonly resolveAfter: number;
  private readonly notifyTimeoutMs: number;
  private readonly source: string | undefined;
  private readonly store: AlertStateStore;
  private readonly policy: TransitionPolicy;
  private readonly replica: string;
  /** This replica's view: alerts active as of its last look at the shared state. */
  private readonly active = new Map<string, Alert>();
  /** Conditions that hold here (this replica is among the alert's holders). */
  private readonly held = new Set<string>();
  private readonly clearStreak = new Map<string, number>();
  private readonly logger = getLogger('alerting');

  constructor(options: AlertManagerOptions = {}) {
    const parsed = parseOptions(optionsSchema, options, 'AlertManager options');
    const notifier = parsed.notifier ?? loggerNotifier();
    this.notifiers = Array.isArray(notifier) ? notifier : [notifier];
    this.rules = parsed.rules ?? DEFAULT_ALERT_RULES.map((rule) => ruleSchema.parse(rule));
    const anomaly = parsed.anomaly === undefined ? {} : parsed.anomaly;
    this.anomaly = anomaly === false
      ? null
      : { detector: new AnomalyDetector(anomaly), metrics: anomaly.metrics ? new Set(anomaly.metrics) : null, severity: anomaly.severity ?? 'medium' };
    this.resolveAfter = parsed.resolveAfter;
    this.notifyTimeoutMs = parsed.notifyTimeoutMs;
    this.source = parsed.source;
    this.replica = parsed.replicaId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.policy = { escalation: (parsed.escalation as EscalationPolicy | undefined) ?? null, staleAfterMs: parsed.staleAfterMs };
    const redis = resolveRedis(parsed.redis as RedisOption | false | undefined, parsed.env);
    // Kept a day past the last write: state of a fleet that vanished does not linger forever.
    this.store = redis ? new RedisAlertStore(redis, parsed.name, parsed.storeTimeoutMs, 86_400_000) : new MemoryAlertStore();
  }

  /** Copies of the alerts active now, as this replica last saw them. */
  activeAlerts(): Alert[] {
    return [...this.active.values()].map((alert) => structuredClone(alert));
  }

  /**
   * Applies every rule and the anomaly detector to one snapshot; notifies alerts that
   * triggered, escalated, de-escalated or resolved (notifier failures are logged, never
   * thrown; with replicas, only the replica whose update made the change notifies). A metric
   * missing from the snapshot leaves its alerts as they are. An unreachable state store is
   * logged (`ERR_STORE_UNAVAILABLE`) and leaves those alerts as they are. Throws
   * `ERR_VALIDATION` only when `metrics` is not an object.
   */
  async evaluate(metrics: AlertMetrics): Promise<AlertEvaluation> {
    if (typeof metrics !== 'object' || metrics === null || Array.isArray(metrics)) {
      throw new KitError('ERR_VALIDATION', 'evaluate(metrics) needs an object of metric name → number');
    }
    const conditions = [...ruleConditions(this.rules, metrics), ...(this.anomaly ? anomalyConditions(this.anomaly, metrics) : [])];
    const now = Date.now();
    const result: AlertEvaluation = { triggered: [], escalated: [], deescalated: [], resolved: [], active: [] };
    const events: AlertEvent[] = [];
    const sentAt = new Date(now).toISOString();
    await Promise.all(conditions.map(async (condition) => {
      const event = await this.observe(condition, now);
      if (!event) return;
      events.push({ type: event.type, alert: structuredClone(event.alert), sentAt });
      const list = { 'alert.triggered': result.triggered, 'alert.escalated': result.escalated, 'alert.deescalated': result.deescalated, 'alert.resolved': result.resolved }[event.type];
      list.push(structuredClone(event.alert));
    }));
    await Promise.all(events.map((event) => this.dispatch(event)));
    result.active = this.activeAlerts();
    return result;
  }

  /** Applies one condition to the shared state; returns the event this replica must send. */
  private async observe(condition: Condition, now: number): Promise<{ type: AlertEvent['type']; alert: Alert } | undefined> {
    const { id } = condition;
    if (condition.holds) this.clearStreak.delete(id);
    else if (this.held.has(id)) {
      const streak = (this.clearStreak.get(id) ?? 0) + 1;
      if (streak < this.resolveAfter) {
        this.clearStreak.set(id, streak);
        return undefined;
      }
    }
    const fields = condition.holds ? condition.make() : undefined;
    let before: Alert | undefined;
    try {
      const change = await this.store.update(id, (prev) => {
        before = prev?.alert;
        return transition(prev, { holds: condition.holds, replica: this.replica, now, ...(fields ? { fields } : {}) }, this.policy);
      });
      this.clearStreak.delete(id);
      if (condition.holds) this.held.add(id);
      else this.held.delete(id);
      if (change.next) this.active.set(id, change.next.alert);
      else this.active.delete(id);
      if (!change.event) return undefined;
      if (change.event === 'alert.resolved') return { type: change.event, alert: { ...before!, status: 'resolved', resolvedAt: new Date(now).toISOString() } };
      return { type: change.event, alert: change.next!.alert };
    } catch (error) {
      this.logger.error('alert state store failed', { alert: id, code: (error as { code?: unknown } | null)?.code, error: error instanceof Error ? error.message : String(error) });
      return undefined;
    }
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
