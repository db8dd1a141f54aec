/** Turns one metrics snapshot into conditions: one per applicable rule and watched metric. */
import type { AnomalyDetector } from './anomaly.js';
import { breaches } from './rules.js';
import type { Observation } from './state.js';
import type { AlertMetrics, AlertOperator, AlertSeverity } from './types.js';

export interface ParsedRule {
  name: string;
  metric: string;
  operator: AlertOperator;
  threshold: number;
  severity: AlertSeverity;
  description?: string;
}

export interface Condition {
  id: string;
  holds: boolean;
  make: () => NonNullable<Observation['fields']>;
}

export interface AnomalySetup {
  detector: AnomalyDetector;
  metrics: Set<string> | null;
  severity: AlertSeverity;
}

const format = (n: number) => (Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(4))));
const usable = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** Conditions of the static rules whose metric is in the snapshot. */
export function ruleConditions(rules: readonly ParsedRule[], metrics: AlertMetrics): Condition[] {
  const conditions: Condition[] = [];
  for (const rule of rules) {
    const value = metrics[rule.metric];
    if (!usable(value)) continue;
    const id = `rule:${rule.name}`;
    conditions.push({
      id,
      holds: breaches(value, rule.operator, rule.threshold),
      make: () => ({
        id,
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
  return conditions;
}

/** Conditions of the anomaly detector (feeds it every watched value; none during warm-up). */
export function anomalyConditions(setup: AnomalySetup, metrics: AlertMetrics): Condition[] {
  const conditions: Condition[] = [];
  for (const [metric, value] of Object.entries(metrics)) {
    if (!usable(value)) continue;
    if (setup.metrics && !setup.metrics.has(metric)) continue;
    const verdict = setup.detector.observe(metric, value);
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
        severity: setup.severity,
        message: `Anomaly in ${metric}: ${format(value)} is ${format(Math.abs(verdict.zScore))} robust deviations from the recent median ${format(verdict.mean)}`,
        value,
        threshold: verdict.bound,
        baseline: { mean: verdict.mean, stdDev: verdict.stdDev, zScore: verdict.zScore },
      }),
    });
  }
  return conditions;
}
