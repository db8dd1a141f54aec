/** Public types of the alerting module. */

/** How bad an alert is. */
export type AlertSeverity = 'low' | 'medium' | 'high' | 'critical';

/** A comparison a static rule applies: `value <operator> threshold` means "breached". */
export type AlertOperator = '>' | '>=' | '<' | '<=';

/** A static threshold rule. */
export interface AlertRule {
  /** Unique name, e.g. `high_cpu`; the alert id is `rule:<name>`. */
  name: string;
  /** Key in the metrics passed to `evaluate()`, e.g. `cpu`. */
  metric: string;
  /** Default `>`. */
  operator?: AlertOperator;
  threshold: number;
  severity: AlertSeverity;
  /** Human text; default `<metric> <operator> <threshold>`. */
  description?: string;
}

/** What `evaluate()` takes: metric name → current value (non-finite values are ignored). */
export type AlertMetrics = Record<string, number | undefined>;

/** An alert, as kept in `activeAlerts()` and sent to notifiers. Times are ISO-8601 strings. */
export interface Alert {
  /** Stable id: `rule:<name>` or `anomaly:<metric>`. */
  id: string;
  kind: 'threshold' | 'anomaly';
  name: string;
  metric: string;
  /** Current severity (raised by escalation, lowered again when the value improves). */
  severity: AlertSeverity;
  /** The rule's own severity, where escalation starts and de-escalation stops. */
  baseSeverity?: AlertSeverity;
  status: 'active' | 'resolved';
  message: string;
  /** Latest value seen while the alert was active. */
  value: number;
  /** The static threshold, or the dynamic bound the value crossed (anomaly). */
  threshold: number;
  /** Evaluations in which the condition held (aggregated duplicates). */
  count: number;
  firstSeen: string;
  lastSeen: string;
  resolvedAt?: string;
  /** Anomaly alerts: the recent mean and standard deviation and the z-score. */
  baseline?: { mean: number; stdDev: number; zScore: number };
}

/** The payload every notifier receives (and the webhook POSTs as JSON). */
export interface AlertEvent {
  /** `escalated` / `deescalated`: the alert, still active, changed severity by one step. */
  type: 'alert.triggered' | 'alert.escalated' | 'alert.deescalated' | 'alert.resolved';
  alert: Alert;
  /** `source` option of the manager (e.g. the service name), when set. */
  source?: string;
  sentAt: string;
}

/** Delivers alert events somewhere. A failure (throw/reject) is logged by the manager, never rethrown. */
export interface AlertNotifier {
  /** Short name for logs, e.g. `webhook`, `logger`. */
  name: string;
  notify(event: AlertEvent): void | Promise<void>;
}

/** What one `evaluate()` call changed. */
export interface AlertEvaluation {
  /** Alerts that became active in this evaluation (each notified once). */
  triggered: Alert[];
  /** Alerts whose severity this evaluation raised one step (each notified). */
  escalated: Alert[];
  /** Alerts whose severity this evaluation lowered one step, the value having improved (each notified). */
  deescalated: Alert[];
  /** Alerts that resolved in this evaluation (each notified once). */
  resolved: Alert[];
  /** Every alert active after this evaluation. */
  active: Alert[];
}
