/**
 * `express-platform-kit/alerting`: static and anomaly alerts with webhook/logger notifiers,
 * request and process metrics, Prometheus `/metrics`, and a periodic evaluator wiring them.
 */
export { AlertManager, type AlertManagerOptions } from './alert-manager.js';
export { AnomalyDetector, DEFAULT_ANOMALY_MIN_STD_DEV, type AnomalyDetectionOptions, type AnomalyVerdict } from './anomaly.js';
export { DEFAULT_ALERT_RULES } from './rules.js';
export { webhookNotifier, loggerNotifier, type WebhookNotifierOptions, type AlertLogger } from './notifiers.js';
export { collectProcessMetrics, createProcessSampler, type ProcessMetrics } from './process-metrics.js';
export { requestMetrics, metricsHandler, platformMetricsRegistry, requestMetricNames, type RequestMetricsOptions } from './middleware.js';
// The OpenTelemetry dialect: semconv buckets (reused in Views and dashboards) and the structural meter types.
export { OTEL_HTTP_DURATION_BUCKETS, type OtelMeterProviderLike } from './otel-meter.js';
export type { MetricsDialect } from './request-recorder.js';
export { startAlertEvaluator, type AlertEvaluatorOptions, type AlertEvaluatorHandle } from './evaluator.js';
export { loadAlertingSettings, alertingSettingsSchema, type AlertingSettings } from './settings.js';
export type { Alert, AlertEvent, AlertEvaluation, AlertMetrics, AlertNotifier, AlertOperator, AlertRule, AlertSeverity } from './types.js';
