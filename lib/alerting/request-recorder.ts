/**
 * What `requestMetrics()` records for one finished request, in either dialect: the kit's
 * Prometheus names (`http_requests_total`, `http_request_errors_total`,
 * `http_request_duration_seconds`), or the OpenTelemetry HTTP semantic conventions
 * (`http.server.request.duration`, exposed to Prometheus as `http_server_request_duration_seconds`),
 * and, when a meter is given, the same measurement through the OpenTelemetry Metrics API.
 * No Express here: the middleware hands over method, route pattern, status and seconds.
 */
import { Counter, Histogram, type Metric, type Registry } from 'prom-client';
import { ConfigError } from '../config/settings.js';
import type { OtelHistogramLike, OtelRequestAttributes } from './otel-meter.js';

/** Which metric names and labels `requestMetrics()` writes to its prom-client registry. */
export type MetricsDialect = 'prometheus' | 'opentelemetry';

/** The dialects, in documentation order. */
export const METRICS_DIALECTS: readonly MetricsDialect[] = Object.freeze(['prometheus', 'opentelemetry']);

/** Prometheus name of the OpenTelemetry `http.server.request.duration` histogram (unit suffix `_seconds`, as OTel's Prometheus exporter writes it). */
export const OTEL_PROMETHEUS_DURATION_NAME = 'http_server_request_duration_seconds';

/**
 * Metric names for a prefix (default `http_`).
 *
 * @example
 * ```ts
 * requestMetricNames().requests // 'http_requests_total'
 * ```
 */
export function requestMetricNames(prefix = 'http_') {
  return {
    requests: `${prefix}requests_total`,
    errors: `${prefix}request_errors_total`,
    duration: `${prefix}request_duration_seconds`,
  };
}

export interface RecorderConfig {
  /** Where prom-client metrics go; undefined records only through the OTel meter. */
  registry: Registry | undefined;
  dialect: MetricsDialect;
  prefix: string;
  /** Buckets of the prom-client histogram (undefined: prom-client's defaults). */
  buckets: number[] | undefined;
  /** Adds `status_class` ("2xx"…) to the prom-client duration histogram. */
  statusClass: boolean;
  /** Route label of unmatched requests in the prometheus dialect. */
  unmatchedRoute: string;
  isError: (status: number) => boolean;
  otelHistogram: OtelHistogramLike | undefined;
}

/** Records one request: `route` is the pattern, undefined when no route matched. */
export type RecordRequest = (method: string, route: string | undefined, status: number, seconds: number) => void;

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT']);
/** Series kept with prebuilt labels: methods × routes × statuses stay far below this. */
const MAX_CACHED_SERIES = 10_000;

/** "2xx" for 204; "5xx" for 503. Statuses outside 100–599 cannot be sent by Node. */
export function statusClassOf(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}

function existingOrNew<T extends Metric>(registry: Registry, name: string, labelNames: readonly string[], create: () => T, kind: string): T {
  const existing = registry.getSingleMetric(name);
  if (!existing) return create();
  if (existing.constructor.name !== kind) {
    throw new ConfigError([{ variable: 'prefix', message: `metric ${name} already exists in this registry as another type` }], 'requestMetrics options');
  }
  // Two requestMetrics() with different labels on one registry would throw on the first request.
  const existingLabels = [...((existing as unknown as { labelNames?: readonly string[] }).labelNames ?? [])].sort();
  if (existingLabels.join() !== [...labelNames].sort().join()) {
    throw new ConfigError([{ variable: 'statusClass', message: `metric ${name} already exists in this registry with labels ${existingLabels.join(',')}: give every requestMetrics() on one registry the same dialect and statusClass` }], 'requestMetrics options');
  }
  return existing as T;
}

interface Series {
  counterLabels?: Record<string, string>;
  durationLabels?: Record<string, string>;
  otelAttributes?: OtelRequestAttributes;
  error: boolean;
}

/**
 * Builds the metrics once (reusing those already in the registry) and returns the per-request
 * recording function.
 */
export function createRequestRecorder(config: RecorderConfig): RecordRequest {
  const { registry, dialect, statusClass, otelHistogram } = config;
  const otelDialect = dialect === 'opentelemetry';
  let requests: Counter<string> | undefined;
  let errors: Counter<string> | undefined;
  let duration: Histogram<string> | undefined;
  if (registry) {
    const bucketOption = config.buckets ? { buckets: config.buckets } : {};
    const classLabel = statusClass ? ['status_class'] : [];
    if (otelDialect) {
      const labelNames = ['http_request_method', 'http_route', 'http_response_status_code', 'error_type', ...classLabel];
      duration = existingOrNew(registry, OTEL_PROMETHEUS_DURATION_NAME, labelNames, () => new Histogram({ name: OTEL_PROMETHEUS_DURATION_NAME, help: 'Duration of HTTP server requests (OpenTelemetry http.server.request.duration).', labelNames, registers: [registry], ...bucketOption }), 'Histogram');
    } else {
      const names = requestMetricNames(config.prefix);
      const counterLabels = ['method', 'route', 'status_code'];
      const durationLabels = ['method', 'route', ...classLabel];
      requests = existingOrNew(registry, names.requests, counterLabels, () => new Counter({ name: names.requests, help: 'HTTP requests by method, route and status', labelNames: counterLabels, registers: [registry] }), 'Counter');
      errors = existingOrNew(registry, names.errors, counterLabels, () => new Counter({ name: names.errors, help: 'HTTP requests that failed, by method, route and status', labelNames: counterLabels, registers: [registry] }), 'Counter');
      duration = existingOrNew(registry, names.duration, durationLabels, () => new Histogram({ name: names.duration, help: statusClass ? 'HTTP request latency in seconds, by method, route and status class' : 'HTTP request latency in seconds, by method and route', labelNames: durationLabels, registers: [registry], ...bucketOption }), 'Histogram');
    }
  }

  /** `method` is a standard method or undefined (anything else a client sent). */
  const build = (method: string | undefined, route: string | undefined, status: number): Series => {
    const known = method !== undefined;
    const code = String(status);
    // The semantic conventions' error: a 5xx answered by this server (the status, as a string).
    const otelError: Record<string, string> = status >= 500 ? { error_type: code } : {};
    const series: Series = { error: config.isError(status) };
    if (registry && otelDialect) {
      series.durationLabels = {
        http_request_method: known ? method : '_OTHER',
        // No route matched: no http_route at all (semconv), never the raw path.
        ...(route !== undefined ? { http_route: route } : {}),
        http_response_status_code: code,
        ...otelError,
        ...(statusClass ? { status_class: statusClassOf(status) } : {}),
      };
    } else if (registry) {
      const labels = { method: known ? method : 'OTHER', route: route ?? config.unmatchedRoute };
      series.counterLabels = { ...labels, status_code: code };
      series.durationLabels = statusClass ? { ...labels, status_class: statusClassOf(status) } : labels;
    }
    if (otelHistogram) {
      series.otelAttributes = Object.freeze({
        'http.request.method': known ? method : '_OTHER',
        ...(route !== undefined ? { 'http.route': route } : {}),
        'http.response.status_code': status,
        ...(status >= 500 ? { 'error.type': code } : {}),
      });
    }
    return series;
  };

  // One label object per series, built once: prom-client hashes the labels it is given on every
  // call, but allocating fresh objects and a status string per request cost more.
  const cache = new Map<string, Series>();
  return function recordRequest(method, route, status, seconds) {
    // Unknown methods share one key: a client inventing methods cannot grow the cache.
    const standard = METHODS.has(method) ? method : undefined;
    const key = `${status} ${standard ?? '_OTHER'} ${route ?? '\u0000'}`;
    let series = cache.get(key);
    if (!series) {
      series = build(standard, route, status);
      if (cache.size < MAX_CACHED_SERIES) cache.set(key, series);
    }
    if (series.counterLabels) {
      requests?.inc(series.counterLabels);
      if (series.error) errors?.inc(series.counterLabels);
    }
    if (series.durationLabels) duration?.observe(series.durationLabels, seconds);
    if (series.otelAttributes) otelHistogram?.record(seconds, series.otelAttributes);
  };
}
