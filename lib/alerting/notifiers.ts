/**
 * Notifiers: where alert events go. The webhook POSTs JSON with a per-attempt timeout and
 * bounded retries; the logger notifier writes one line per event. Both throw on failure and
 * let `AlertManager` log it (a notifier never breaks the caller of `evaluate()`).
 */
import { z } from 'zod';
import { ConfigError, parseOptions } from '../config/settings.js';
import type { Env } from '../config/env.js';
import { KitError } from '../errors/kit-error.js';
import { getLogger } from '../logging/logger.js';
import { loadAlertingSettings } from './settings.js';
import type { AlertEvent, AlertNotifier } from './types.js';

export interface WebhookNotifierOptions {
  /** http(s) URL receiving `POST` JSON {@link AlertEvent}s. Default env `ALERT_WEBHOOK_URL`. */
  url?: string;
  /** Per-attempt timeout, ms. Default env `ALERT_WEBHOOK_TIMEOUT_MS` (5000). */
  timeoutMs?: number;
  /** Retries after the first attempt (network error, timeout, 429 or 5xx). Default env `ALERT_WEBHOOK_RETRIES` (2). */
  retries?: number;
  /** First retry delay, ms; doubles each retry (capped at 10 s). Default 250. */
  backoffMs?: number;
  /** Extra request headers (e.g. an authorization header; never logged). */
  headers?: Record<string, string>;
  /** Environment for the defaults (tests). */
  env?: Env;
}

const webhookSchema = z.object({
  url: z.string().optional(),
  timeoutMs: z.number().int().min(1).max(120_000).optional(),
  retries: z.number().int().min(0).max(10).optional(),
  backoffMs: z.number().int().min(0).max(60_000).default(250),
  headers: z.record(z.string(), z.string()).optional(),
  env: z.record(z.string(), z.string().optional()).optional(),
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function checkedUrl(text: string | undefined): URL {
  // The URL itself is never echoed: webhook URLs often embed a token (Slack, Teams).
  if (!text) throw new ConfigError([{ variable: 'url', message: 'is required (option url or env ALERT_WEBHOOK_URL)' }], 'webhookNotifier options');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError([{ variable: 'url', message: 'must be an absolute http(s) URL' }], 'webhookNotifier options');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError([{ variable: 'url', message: 'must use http or https' }], 'webhookNotifier options');
  }
  return url;
}

/**
 * POSTs each event as JSON to a webhook, with a timeout per attempt and bounded retries with
 * exponential backoff. 4xx answers other than 429 are not retried (the payload will not get
 * better). Fails with `ERR_NOTIFIER_FAILED` (the message names the host, never the URL path).
 *
 * @example
 * ```ts
 * new AlertManager({ notifier: webhookNotifier({ url: 'https://hooks.example.com/alerts', timeoutMs: 3000, retries: 2 }) })
 * ```
 */
export function webhookNotifier(options: WebhookNotifierOptions = {}): AlertNotifier {
  const parsed = parseOptions(webhookSchema, options, 'webhookNotifier options');
  const settings = loadAlertingSettings(parsed.env);
  const url = checkedUrl(parsed.url ?? settings.webhookUrl);
  const timeoutMs = parsed.timeoutMs ?? settings.webhookTimeoutMs;
  const retries = parsed.retries ?? settings.webhookRetries;
  const headers = { 'content-type': 'application/json', 'user-agent': 'express-platform-kit-alerting', ...(parsed.headers ?? {}) };
  const where = url.host;

  return {
    name: 'webhook',
    async notify(event: AlertEvent): Promise<void> {
      const body = JSON.stringify(event);
      let last = 'no attempt';
      for (let attempt = 0; attempt <= retries; attempt++) {
        if (attempt > 0) await sleep(Math.min(parsed.backoffMs * 2 ** (attempt - 1), 10_000));
        try {
          const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
          await response.body?.cancel().catch(() => {});
          if (response.ok) return;
          last = `HTTP ${response.status}`;
          if (response.status < 500 && response.status !== 429) break;
        } catch (error) {
          const err = error as { name?: string; cause?: { code?: string } };
          last = err.name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : (err.cause?.code ?? err.name ?? 'network error');
        }
      }
      throw new KitError('ERR_NOTIFIER_FAILED', `webhook to ${where} failed: ${last}`);
    },
  };
}

/** Anything with winston/console-style level methods. */
export interface AlertLogger {
  error(message: string, ...meta: unknown[]): unknown;
  warn(message: string, ...meta: unknown[]): unknown;
  info(message: string, ...meta: unknown[]): unknown;
}

/**
 * Logs each event: critical/high alerts at `error`, medium at `warn`, low, de-escalations and
 * resolutions at `info` (an escalation logs at the level of its new severity). Default logger
 * `getLogger('alerting')`.
 *
 * @example
 * ```ts
 * new AlertManager({ notifier: [webhookNotifier(), loggerNotifier()] })
 * ```
 */
export function loggerNotifier(logger: AlertLogger = getLogger('alerting')): AlertNotifier {
  return {
    name: 'logger',
    notify(event: AlertEvent): void {
      const { alert } = event;
      const meta = { alert };
      if (event.type === 'alert.resolved') {
        logger.info(`Alert resolved: ${alert.name} after ${alert.count} occurrence(s)`, meta);
      } else if (event.type === 'alert.deescalated') {
        logger.info(`Alert de-escalated to ${alert.severity}: ${alert.message}`, meta);
      } else if (event.type === 'alert.escalated') {
        const text = `Alert escalated to ${alert.severity}: ${alert.message}`;
        if (alert.severity === 'critical' || alert.severity === 'high') logger.error(text, meta);
        else logger.warn(text, meta);
      } else if (alert.severity === 'critical' || alert.severity === 'high') {
        logger.error(`Alert ${alert.severity}: ${alert.message}`, meta);
      } else if (alert.severity === 'medium') {
        logger.warn(`Alert ${alert.severity}: ${alert.message}`, meta);
      } else {
        logger.info(`Alert ${alert.severity}: ${alert.message}`, meta);
      }
    },
  };
}
