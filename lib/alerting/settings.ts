/** Alerting settings from the environment (all optional; options passed in code win). */
import { z } from 'zod';
import { envInt, envString, parseEnvSettings } from '../config/settings.js';
import type { Env } from '../config/env.js';

/**
 * The zod schema of the alerting settings (keys are env variable names).
 *
 * @example
 * ```ts
 * alertingSettingsSchema.parse({ ALERT_WEBHOOK_RETRIES: '3' }).ALERT_WEBHOOK_RETRIES // 3
 * ```
 */
export const alertingSettingsSchema = z.object({
  /** Default URL of `webhookNotifier()`. */
  ALERT_WEBHOOK_URL: envString(),
  /** Per-attempt timeout of the webhook, ms. Default 5000. */
  ALERT_WEBHOOK_TIMEOUT_MS: envInt({ min: 1, max: 120_000, default: 5000 }),
  /** Retries after a failed webhook attempt. Default 2. */
  ALERT_WEBHOOK_RETRIES: envInt({ min: 0, max: 10, default: 2 }),
  /** Period of `startAlertEvaluator()`, ms. Default 15000. */
  ALERT_EVALUATION_INTERVAL_MS: envInt({ min: 100, max: 86_400_000, default: 15_000 }),
});

export interface AlertingSettings {
  webhookUrl: string | undefined;
  webhookTimeoutMs: number;
  webhookRetries: number;
  evaluationIntervalMs: number;
}

/**
 * Reads the alerting settings; throws one `ConfigError` listing every bad variable.
 *
 * @example
 * ```ts
 * const { webhookUrl } = loadAlertingSettings()
 * ```
 */
export function loadAlertingSettings(env?: Env): AlertingSettings {
  const parsed = parseEnvSettings(alertingSettingsSchema, env, 'alerting settings');
  return {
    webhookUrl: parsed.ALERT_WEBHOOK_URL,
    webhookTimeoutMs: parsed.ALERT_WEBHOOK_TIMEOUT_MS,
    webhookRetries: parsed.ALERT_WEBHOOK_RETRIES,
    evaluationIntervalMs: parsed.ALERT_EVALUATION_INTERVAL_MS,
  };
}
