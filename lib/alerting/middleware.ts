/**
 * Express glue of the metrics: `requestMetrics()` records every request (in the kit's
 * Prometheus names or the OpenTelemetry semantic conventions, see request-recorder.ts),
 * `metricsHandler()` serves a registry in the Prometheus text format.
 */
import type { Request, RequestHandler } from 'express';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { ConfigError, parseOptions } from '../config/settings.js';
import { routePatternOf } from '../logging/route-pattern.js';
import { collectDefaultMetricsOnce } from './default-metrics.js';
import { globalMeterProvider, isMeterProvider, OTEL_HTTP_DURATION_BUCKETS, otelDurationHistogram, type OtelMeterProviderLike } from './otel-meter.js';
import { createRequestRecorder, METRICS_DIALECTS, type MetricsDialect } from './request-recorder.js';

export { requestMetricNames } from './request-recorder.js';

/**
 * The registry the kit uses when none is passed: dedicated (not prom-client's global
 * `register`), so the kit's metrics never collide with an app's own or with another test's.
 * Pass `register` from prom-client to expose everything on one registry.
 *
 * @example
 * ```ts
 * platformMetricsRegistry.registerMetric(myGauge) // served by metricsHandler() too
 * ```
 */
export const platformMetricsRegistry = new Registry();

export interface RequestMetricsOptions {
  /**
   * Registry to record into. Default {@link platformMetricsRegistry}. `false` records nothing in
   * prom-client (only through `meterProvider` / `otel`).
   */
  registry?: Registry | false;
  /**
   * Names and labels written to the registry. Default `prometheus`: `http_requests_total`,
   * `http_request_errors_total`, `http_request_duration_seconds{method,route}` (unchanged).
   * `opentelemetry`: one histogram `http_server_request_duration_seconds{http_request_method,
   * http_route,http_response_status_code,error_type}`, the Prometheus form of the semantic
   * conventions' `http.server.request.duration`, with their recommended buckets.
   */
  dialect?: MetricsDialect;
  /** Metric name prefix of the prometheus dialect. Default `http_`. */
  prefix?: string;
  /**
   * Latency histogram buckets, seconds. Default prom-client's web buckets (5 ms … 10 s) in the
   * prometheus dialect, {@link OTEL_HTTP_DURATION_BUCKETS} in the opentelemetry dialect and for
   * the OTel meter.
   */
  buckets?: number[];
  /** Route label of requests no route matched (404s, scanners), prometheus dialect. Default `<unmatched>`. */
  unmatchedRoute?: string;
  /** Most distinct route labels; later new routes are recorded as `<other>`. Default 500. */
  maxRoutes?: number;
  /** Which statuses count in `http_request_errors_total`. Default `status >= 500`. */
  isError?: (status: number) => boolean;
  /**
   * Adds a `status_class` label (`2xx`, `4xx`, `5xx`…) to the duration histogram, for latency by
   * outcome. Off by default: it multiplies the histogram's series by the classes each route
   * answers with (typically 2–3).
   */
  statusClass?: boolean;
  /** Also collect prom-client's default process metrics on the registry (once per registry). Default false. */
  collectDefaultMetrics?: boolean;
  /**
   * Also record `http.server.request.duration` (seconds) through this OpenTelemetry
   * `MeterProvider` (e.g. the SDK's), meter `express-platform-kit`.
   */
  meterProvider?: OtelMeterProviderLike;
  /** Like `meterProvider`, with the global one of `@opentelemetry/api` (an optional peer: install it). Default false. */
  otel?: boolean;
}

const optionsSchema = z
  .object({
    registry: z.union([z.literal(false), z.custom<Registry>(isRegistry, { message: 'must be a prom-client Registry or false' })]).optional(),
    dialect: z.enum(METRICS_DIALECTS as [MetricsDialect, ...MetricsDialect[]]).default('prometheus'),
    prefix: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, { message: 'must be a valid Prometheus metric name prefix' }).optional(),
    buckets: z.array(z.number().positive().finite()).min(1).optional(),
    unmatchedRoute: z.string().min(1).max(100).default('<unmatched>'),
    maxRoutes: z.number().int().min(1).max(100_000).default(500),
    isError: z.function().optional(),
    statusClass: z.boolean().default(false),
    collectDefaultMetrics: z.boolean().default(false),
    meterProvider: z.custom<OtelMeterProviderLike>(isMeterProvider, { message: 'must be an OpenTelemetry MeterProvider (with getMeter())' }).optional(),
    otel: z.boolean().default(false),
  })
  .superRefine((options, ctx) => {
    if (options.dialect === 'opentelemetry' && options.prefix !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['prefix'], message: 'applies to the prometheus dialect only (the opentelemetry names are fixed by the semantic conventions)' });
    }
    if (options.meterProvider !== undefined && options.otel) {
      ctx.addIssue({ code: 'custom', path: ['otel'], message: 'give either meterProvider or otel: true (the global provider), not both' });
    }
    if (options.registry === false && options.meterProvider === undefined && !options.otel) {
      ctx.addIssue({ code: 'custom', path: ['registry'], message: 'false records nothing unless meterProvider or otel: true is given' });
    }
    if (options.registry === false && options.collectDefaultMetrics) {
      ctx.addIssue({ code: 'custom', path: ['collectDefaultMetrics'], message: 'needs a registry' });
    }
  });

/** Duck-typed, so a Registry from another copy of prom-client is accepted too. */
function isRegistry(value: unknown): value is Registry {
  const candidate = value as Partial<Registry> | null;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.metrics === 'function' && typeof candidate.getSingleMetric === 'function';
}

/**
 * Records every request. Prometheus dialect (default): `http_requests_total{method,route,status_code}`,
 * `http_request_errors_total` and `http_request_duration_seconds{method,route}`; opentelemetry
 * dialect: `http_server_request_duration_seconds{http_request_method,http_route,http_response_status_code}`;
 * with `meterProvider` / `otel`, also `http.server.request.duration` through the OpenTelemetry
 * Metrics API. The route label is the matched Express route (`/users/:id`), never the raw URL,
 * so the number of series stays bounded. Requests the client aborted are recorded with status 499.
 *
 * @example
 * ```ts
 * app.use(requestMetrics())
 * app.get('/metrics', metricsHandler())
 * ```
 */
export function requestMetrics(options: RequestMetricsOptions = {}): RequestHandler {
  const scope = 'requestMetrics options';
  const parsed = parseOptions(optionsSchema, options, scope);
  const registry: Registry | undefined = parsed.registry === false ? undefined : (parsed.registry ?? platformMetricsRegistry);
  const otelDialect = parsed.dialect === 'opentelemetry';
  const provider = parsed.meterProvider ?? (parsed.otel ? globalMeterProvider('otel', scope) : undefined);
  const record = createRequestRecorder({
    registry,
    dialect: parsed.dialect,
    prefix: parsed.prefix ?? 'http_',
    buckets: parsed.buckets ?? (otelDialect ? [...OTEL_HTTP_DURATION_BUCKETS] : undefined),
    statusClass: parsed.statusClass,
    unmatchedRoute: parsed.unmatchedRoute,
    isError: options.isError ?? ((status: number) => status >= 500),
    otelHistogram: provider ? otelDurationHistogram(provider, parsed.buckets ?? OTEL_HTTP_DURATION_BUCKETS) : undefined,
  });
  if (registry && parsed.collectDefaultMetrics) collectDefaultMetricsOnce(registry);
  const routes = new Set<string>();

  const routeOf = (req: Request): string | undefined => {
    // The full pattern, mounts included (`/users/:userId/orders/:id`): never a concrete id.
    const pattern = routePatternOf(req);
    if (pattern === undefined) return undefined;
    const label = pattern.slice(0, 200);
    if (routes.has(label)) return label;
    if (routes.size >= parsed.maxRoutes) return '<other>';
    routes.add(label);
    return label;
  };

  return function requestMetrics(req, res, next) {
    const started = process.hrtime.bigint();
    // 'close' follows 'finish' on every response, aborted ones included: one listener, not two.
    res.on('close', () => {
      const status = res.writableFinished ? res.statusCode : 499;
      record(req.method, routeOf(req), status, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}

/**
 * Serves a registry in the Prometheus text exposition format.
 *
 * @example
 * ```ts
 * app.get('/metrics', metricsHandler()) // or metricsHandler({ registry: register }) for prom-client's global one
 * ```
 */
export function metricsHandler(options: { registry?: Registry } = {}): RequestHandler {
  const registry = options.registry ?? platformMetricsRegistry;
  if (!isRegistry(registry)) throw new ConfigError([{ variable: 'registry', message: 'must be a prom-client Registry' }], 'metricsHandler options');
  return function metricsHandler(_req, res, next) {
    registry.metrics().then(
      (text) => {
        res.setHeader('Content-Type', registry.contentType);
        res.end(text);
      },
      (error: unknown) => next(error),
    );
  };
}
