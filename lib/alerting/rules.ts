/** Static threshold rules: the defaults and their evaluation. */
import type { AlertOperator, AlertRule } from './types.js';

/**
 * The default rules: cpu > 80 (high), memory > 85 (high), error rate > 0.05 (critical).
 * `cpu` and `memory` are percentages (0–100), `errorRate` a fraction (0–1), as produced by
 * `collectProcessMetrics()` and `startAlertEvaluator()`.
 *
 * @example
 * ```ts
 * new AlertManager({ rules: [...DEFAULT_ALERT_RULES, { name: 'slow', metric: 'latencyMs', threshold: 500, severity: 'high' }] })
 * ```
 */
export const DEFAULT_ALERT_RULES: readonly AlertRule[] = Object.freeze([
  { name: 'high_cpu', metric: 'cpu', operator: '>', threshold: 80, severity: 'high', description: 'CPU usage above 80%' },
  { name: 'high_memory', metric: 'memory', operator: '>', threshold: 85, severity: 'high', description: 'Memory usage above 85%' },
  { name: 'high_error_rate', metric: 'errorRate', operator: '>', threshold: 0.05, severity: 'critical', description: 'Error rate above 5%' },
] satisfies AlertRule[]);

/** Whether `value` breaches `threshold` under `operator`. */
export function breaches(value: number, operator: AlertOperator, threshold: number): boolean {
  switch (operator) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
  }
}
