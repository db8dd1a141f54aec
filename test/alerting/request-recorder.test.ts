/**
 * The two dialects of requestMetrics() as Prometheus scrapes them (over real HTTP on loopback):
 * the opentelemetry names, labels and buckets, latency by status class, and bounded labels
 * under hostile paths and methods.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express, NextFunction, Request, Response } from 'express';
import express5 from 'express';
import fc from 'fast-check';
import { Registry } from 'prom-client';
import { metricsHandler, OTEL_HTTP_DURATION_BUCKETS, requestMetrics, type RequestMetricsOptions } from '../../lib/alerting/index.js';
import { errorHandler, HttpError } from '../../lib/errors/index.js';
import { forEachExpress } from '../support/express.js';
import { parsePrometheus, total, type Sample } from './helpers.js';

function buildApp(create: () => Express, options: RequestMetricsOptions): Express {
  const app = create();
  app.use(requestMetrics(options));
  app.get('/metrics', metricsHandler({ registry: options.registry as Registry }));
  app.get('/users/:id', (req, res) => void res.json({ id: req.params.id }));
  app.post('/users', (_req, res) => void res.status(201).json({}));
  app.get('/fail', (_req: Request, _res: Response, next: NextFunction) => next(new HttpError(503, 'down')));
  app.get('/bad', (_req: Request, _res: Response, next: NextFunction) => next(new HttpError(400, 'bad input')));
  const api = express5.Router();
  api.get('/items/:itemId', (_req, res) => void res.json({}));
  app.use('/orgs/:orgId/api', api);
  app.use(errorHandler({ onServerError: () => {} }));
  return app;
}

async function listen(app: Express): Promise<{ server: Server; base: string }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function scrape(base: string): Promise<Sample[]> {
  const res = await fetch(`${base}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parsePrometheus(await res.text());
}

forEachExpress('requestMetrics({ dialect: "opentelemetry" })', ({ create }) => {
  it('exposes http_server_request_duration_seconds with the semconv labels and buckets, and no kit counters', async () => {
    const registry = new Registry();
    const { server, base } = await listen(buildApp(create, { registry, dialect: 'opentelemetry' }));
    try {
      for (let i = 0; i < 6; i++) assert.equal((await fetch(`${base}/users/${i}`)).status, 200);
      assert.equal((await fetch(`${base}/users`, { method: 'POST' })).status, 201);
      assert.equal((await fetch(`${base}/fail`)).status, 503);
      assert.equal((await fetch(`${base}/orgs/acme/api/items/9`)).status, 200);
      const samples = await scrape(base);
      const name = 'http_server_request_duration_seconds';
      assert.equal(total(samples, `${name}_count`), 9);
      assert.equal(total(samples, `${name}_count`, { http_request_method: 'GET', http_route: '/users/:id', http_response_status_code: '200' }), 6);
      assert.equal(total(samples, `${name}_count`, { http_request_method: 'POST', http_route: '/users', http_response_status_code: '201' }), 1);
      assert.equal(total(samples, `${name}_count`, { http_route: '/orgs/:orgId/api/items/:itemId' }), 1);
      // error.type is the status code of a 5xx (semconv), absent otherwise.
      assert.equal(total(samples, `${name}_count`, { http_route: '/fail', http_response_status_code: '503', error_type: '503' }), 1);
      assert.ok(samples.filter((s) => s.labels.http_route === '/users/:id').every((s) => s.labels.error_type === undefined));
      const bounds = samples.filter((s) => s.name === `${name}_bucket` && s.labels.http_route === '/users/:id').map((s) => s.labels.le);
      assert.deepEqual(bounds, [...OTEL_HTTP_DURATION_BUCKETS.map(String), '+Inf']);
      assert.equal(samples.filter((s) => s.name.startsWith('http_request')).length, 0, 'no prometheus-dialect names');
      assert.ok(!samples.some((s) => /\/users\/\d|acme/.test(s.labels.http_route ?? '')), 'never the raw URL');
    } finally {
      server.close();
    }
  });

  it('records an unmatched request without http_route and an unknown method as _OTHER', async () => {
    const registry = new Registry();
    const { server, base } = await listen(buildApp(create, { registry, dialect: 'opentelemetry' }));
    try {
      assert.equal((await fetch(`${base}/no/such/path?token=secret`)).status, 404);
      assert.equal((await fetch(`${base}/users/1`, { method: 'PROPFIND' })).status, 404);
      const samples = await scrape(base);
      const counts = samples.filter((s) => s.name === 'http_server_request_duration_seconds_count');
      assert.deepEqual(
        counts.map((s) => s.labels).sort((a, b) => ((a.http_request_method ?? '') < (b.http_request_method ?? '') ? -1 : 1)),
        [
          { http_request_method: 'GET', http_response_status_code: '404' },
          { http_request_method: '_OTHER', http_response_status_code: '404' },
        ],
      );
    } finally {
      server.close();
    }
  });

  it('keeps http_route bounded under hostile paths and methods (fast-check)', async () => {
    const registry = new Registry();
    const { server, base } = await listen(buildApp(create, { registry, dialect: 'opentelemetry', maxRoutes: 50 }));
    try {
      const segment = fc.stringMatching(/^[A-Za-z0-9%._~-]{1,20}$/);
      await fc.assert(
        fc.asyncProperty(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.constantFrom('GET', 'POST', 'DELETE', 'PATCH', 'SEARCH', 'PURGE', 'PROPFIND'), async (segments, method) => {
          const res = await fetch(`${base}/${segments.join('/')}`, { method });
          await res.arrayBuffer();
          assert.ok(res.status < 500, `status ${res.status}`);
        }),
        { numRuns: 100 },
      );
      const samples = (await scrape(base)).filter((s) => s.name === 'http_server_request_duration_seconds_count');
      assert.equal(total(samples, 'http_server_request_duration_seconds_count'), 100);
      const routes = new Set(samples.map((s) => s.labels.http_route));
      // At most the app's own patterns (a random path can hit /users/:id), plus "no route".
      assert.ok([...routes].every((route) => route === undefined || ['/users/:id', '/users', '/fail', '/bad', '/orgs/:orgId/api/items/:itemId'].includes(route)), [...routes].join(','));
      assert.ok(new Set(samples.map((s) => s.labels.http_request_method)).size <= 5, 'SEARCH, PURGE and PROPFIND share _OTHER');
    } finally {
      server.close();
    }
  });
});

describe('requestMetrics({ statusClass: true })', () => {
  it('splits the duration histogram by status class, the counters unchanged', async () => {
    const registry = new Registry();
    const { server, base } = await listen(buildApp(express5, { registry, statusClass: true }));
    try {
      await fetch(`${base}/users/1`);
      await fetch(`${base}/users/2`);
      await fetch(`${base}/bad`);
      await fetch(`${base}/fail`);
      const samples = await scrape(base);
      assert.equal(total(samples, 'http_request_duration_seconds_count', { route: '/users/:id', status_class: '2xx' }), 2);
      assert.equal(total(samples, 'http_request_duration_seconds_count', { route: '/bad', status_class: '4xx' }), 1);
      assert.equal(total(samples, 'http_request_duration_seconds_count', { route: '/fail', status_class: '5xx' }), 1);
      assert.ok(samples.filter((s) => s.name === 'http_requests_total').every((s) => s.labels.status_class === undefined));
      assert.equal(total(samples, 'http_requests_total', { status_code: '503' }), 1);
    } finally {
      server.close();
    }
  });

  it('labels the opentelemetry histogram too, adding no series there', async () => {
    const registry = new Registry();
    const { server, base } = await listen(buildApp(express5, { registry, dialect: 'opentelemetry', statusClass: true }));
    try {
      await fetch(`${base}/users/1`);
      await fetch(`${base}/fail`);
      const counts = (await scrape(base)).filter((s) => s.name === 'http_server_request_duration_seconds_count');
      assert.deepEqual(counts.map((s) => [s.labels.http_response_status_code, s.labels.status_class]).sort(), [['200', '2xx'], ['503', '5xx']]);
    } finally {
      server.close();
    }
  });

  it('is off by default: the 0.x histogram labels are method and route only', async () => {
    const registry = new Registry();
    const { server, base } = await listen(buildApp(express5, { registry }));
    try {
      await fetch(`${base}/users/1`);
      const counts = (await scrape(base)).filter((s) => s.name === 'http_request_duration_seconds_count');
      assert.deepEqual(counts.map((s) => s.labels), [{ method: 'GET', route: '/users/:id' }]);
    } finally {
      server.close();
    }
  });

  it('refuses a second requestMetrics() on one registry with other labels (it would throw on the first request)', () => {
    const registry = new Registry();
    requestMetrics({ registry });
    requestMetrics({ registry });
    assert.throws(() => requestMetrics({ registry, statusClass: true }), { code: 'ERR_CONFIG_INVALID', message: /statusClass/ });
    requestMetrics({ registry, dialect: 'opentelemetry' }); // other names: both dialects can share a registry
  });
});

describe('requestMetrics() dialect options', () => {
  it('rejects bad combinations with one ConfigError each', () => {
    assert.throws(() => requestMetrics({ dialect: 'otel' as never }), { code: 'ERR_CONFIG_INVALID', message: /dialect/ });
    assert.throws(() => requestMetrics({ registry: new Registry(), dialect: 'opentelemetry', prefix: 'api_' }), { code: 'ERR_CONFIG_INVALID', message: /prefix: applies to the prometheus dialect/ });
    assert.throws(() => requestMetrics({ registry: false }), { code: 'ERR_CONFIG_INVALID', message: /registry: false records nothing/ });
    assert.throws(() => requestMetrics({ statusClass: 'yes' as never }), { code: 'ERR_CONFIG_INVALID', message: /statusClass/ });
    assert.throws(() => requestMetrics({ meterProvider: {} as never }), { code: 'ERR_CONFIG_INVALID', message: /meterProvider/ });
  });
});
