/**
 * Express glue of the metrics: `requestMetrics()` records every request in prom-client
 * metrics, `metricsHandler()` serves them in the Prometheus text format.
 */
import type { Request, RequestHandler } from 'express';
import { Counter, Histogram, Registry, type Metric } from 'prom-client';
import { z } from 'zod';
import { ConfigError, parseOptions } from '../config/settings.js';
import { routePatternOf } from '../logging/route-pattern.js';

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

export interface RequestMetricsOptions {
  /** Registry to record into. Default {@link platformMetricsRegistry}. */
  registry?: Registry;
  /** Metric name prefix. Default `http_`. */
  prefix?: string;
  /** Latency histogram buckets, seconds. Default prom-client's web buckets (5 ms … 10 s). */
  buckets?: number[];
  /** Route label of requests no route matched (404s, scanners). Default `<unmatched>`. */
  unmatchedRoute?: string;
  /** Most distinct route labels; later new routes are recorded as `<other>`. Default 500. */
  maxRoutes?: number;
  /** Which statuses count as errors. Default `status >= 500`. */
  isError?: (status: number) => boolean;
}

const optionsSchema = z.object({
  registry: z.custom<Registry>(isRegistry, { message: 'must be a prom-client Registry' }).optional(),
  prefix: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, { message: 'must be a valid Prometheus metric name prefix' }).default('http_'),
  buckets: z.array(z.number().positive().finite()).min(1).optional(),
  unmatchedRoute: z.string().min(1).max(100).default('<unmatched>'),
  maxRoutes: z.number().int().min(1).max(100_000).default(500),
  isError: z.function().optional(),
});

/** Duck-typed, so a Registry from another copy of prom-client is accepted too. */
function isRegistry(value: unknown): value is Registry {
  const candidate = value as Partial<Registry> | null;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.metrics === 'function' && typeof candidate.getSingleMetric === 'function';
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT']);

function existingOrNew<T extends Metric>(registry: Registry, name: string, create: () => T, kind: string): T {
  const existing = registry.getSingleMetric(name);
  if (!existing) return create();
  if (existing.constructor.name !== kind) {
    throw new ConfigError([{ variable: 'prefix', message: `metric ${name} already exists in this registry as another type` }], 'requestMetrics options');
  }
  return existing as T;
}

/**
 * Counts requests (`http_requests_total{method,route,status_code}`), errors
 * (`http_request_errors_total`) and latency (`http_request_duration_seconds{method,route}`).
 * The route label is the matched Express route (`/users/:id`), never the raw URL, so the
 * number of series stays bounded. Requests the client aborted are recorded with status 499.
 *
 * @example
 * ```ts
 * app.use(requestMetrics())
 * app.get('/metrics', metricsHandler())
 * ```
 */
export function requestMetrics(options: RequestMetricsOptions = {}): RequestHandler {
  const parsed = parseOptions(optionsSchema, options, 'requestMetrics options');
  const registry: Registry = parsed.registry ?? platformMetricsRegistry;
  const names = requestMetricNames(parsed.prefix);
  const isError = options.isError ?? ((status: number) => status >= 500);
  const requests = existingOrNew(registry, names.requests, () => new Counter({ name: names.requests, help: 'HTTP requests by method, route and status', labelNames: ['method', 'route', 'status_code'], registers: [registry] }), 'Counter');
  const errors = existingOrNew(registry, names.errors, () => new Counter({ name: names.errors, help: 'HTTP requests that failed, by method, route and status', labelNames: ['method', 'route', 'status_code'], registers: [registry] }), 'Counter');
  const duration = existingOrNew(registry, names.duration, () => new Histogram({ name: names.duration, help: 'HTTP request latency in seconds, by method and route', labelNames: ['method', 'route'], registers: [registry], ...(parsed.buckets ? { buckets: parsed.buckets } : {}) }), 'Histogram');
  const routes = new Set<string>();

  const routeLabel = (req: Request): string => {
    // The full pattern, mounts included (`/users/:userId/orders/:id`): never a concrete id.
    const pattern = routePatternOf(req);
    if (pattern === undefined) return parsed.unmatchedRoute;
    const label = pattern.slice(0, 200);
    if (routes.has(label)) return label;
    if (routes.size >= parsed.maxRoutes) return '<other>';
    routes.add(label);
    return label;
  };

  // One label object per series, built once: prom-client hashes the labels it is given on every
  // call, but allocating three fresh objects and a status string per request cost more.
  const series = new Map<string, Series>();
  const seriesOf = (method: string, route: string, status: number): Series => {
    const key = `${status} ${method} ${route}`;
    let found = series.get(key);
    if (!found) {
      found = { labels: { method, route, status_code: String(status) }, durationLabels: { method, route }, error: isError(status) };
      // Bounded like the routes: methods × routes × statuses (a status is 100–599).
      if (series.size < 10_000) series.set(key, found);
    }
    return found;
  };

  return function requestMetrics(req, res, next) {
    const started = process.hrtime.bigint();
    // 'close' follows 'finish' on every response, aborted ones included: one listener, not two.
    res.on('close', () => {
      const status = res.writableFinished ? res.statusCode : 499;
      const found = seriesOf(METHODS.has(req.method) ? req.method : 'OTHER', routeLabel(req), status);
      requests.inc(found.labels);
      if (found.error) errors.inc(found.labels);
      duration.observe(found.durationLabels, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}

interface Series {
  labels: { method: string; route: string; status_code: string };
  durationLabels: { method: string; route: string };
  error: boolean;
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
