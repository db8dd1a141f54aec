import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { Express, NextFunction, Request, Response } from 'express';
import express5 from 'express';
import fc from 'fast-check';
import { register, Registry } from 'prom-client';
import request from 'supertest';
import { metricsHandler, platformMetricsRegistry, requestMetrics } from '../../lib/alerting/index.js';
import { errorHandler, HttpError } from '../../lib/errors/index.js';
import { forEachExpress } from '../support/express.js';
import { parsePrometheus, total } from './helpers.js';

function buildApp(create: () => Express, registry: Registry): Express {
  const app = create();
  app.use(requestMetrics({ registry }));
  app.get('/metrics', metricsHandler({ registry }));
  app.get('/ok', (_req, res) => void res.json({ ok: true }));
  app.get('/users/:id', (req, res) => void res.json({ id: req.params.id }));
  app.get('/fail', (_req: Request, _res: Response, next: NextFunction) => next(new HttpError(503, 'down')));
  app.get('/bad', (_req: Request, _res: Response, next: NextFunction) => next(new HttpError(400, 'bad input')));
  app.get('/throw', () => {
    throw new Error('boom');
  });
  const api = express5.Router();
  api.get('/items/:itemId', (_req, res) => void res.json({}));
  app.use('/api', api);
  app.use(errorHandler({ onServerError: () => {} }));
  return app;
}

async function scrape(server: Server | Express) {
  const res = await request(server).get('/metrics');
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'] ?? '', /^text\/plain; version=0\.0\.4/);
  return parsePrometheus(res.text);
}

forEachExpress('requestMetrics + metricsHandler', ({ create }) => {
  it('counts 200 concurrent requests and their 50 errors exactly', async () => {
    const registry = new Registry();
    const server = buildApp(create, registry).listen(0, '127.0.0.1');
    try {
      const paths = Array.from({ length: 200 }, (_, i) => (i % 4 === 0 ? (i % 8 === 0 ? '/fail' : '/throw') : `/users/${i}`));
      const statuses = (await Promise.all(paths.map((path) => request(server).get(path)))).map((r) => r.status);
      assert.equal(statuses.filter((s) => s >= 500).length, 50);
      const samples = await scrape(server);
      assert.equal(total(samples, 'http_requests_total'), 200);
      assert.equal(total(samples, 'http_request_errors_total'), 50);
      assert.equal(total(samples, 'http_requests_total', { route: '/users/:id', status_code: '200' }), 150);
      assert.equal(total(samples, 'http_request_errors_total', { route: '/fail', status_code: '503' }), 25);
      assert.equal(total(samples, 'http_request_errors_total', { route: '/throw', status_code: '500' }), 25);
      assert.equal(total(samples, 'http_request_duration_seconds_count'), 200);
      assert.equal(total(samples, 'http_request_duration_seconds_bucket', { route: '/users/:id', le: '+Inf' }), 150);
      assert.ok(!samples.some((s) => /\/users\/\d/.test(s.labels.route ?? '')), 'never the raw URL');
    } finally {
      server.close();
    }
  });

  it('labels mounted routers, unmatched paths and client errors', async () => {
    const registry = new Registry();
    const app = buildApp(create, registry);
    await request(app).get('/api/items/42');
    await request(app).get('/no/such/path?x=1');
    await request(app).get('/bad');
    const samples = await scrape(app);
    assert.equal(total(samples, 'http_requests_total', { route: '/api/items/:itemId', method: 'GET' }), 1);
    assert.equal(total(samples, 'http_requests_total', { route: '<unmatched>', status_code: '404' }), 1);
    assert.equal(total(samples, 'http_requests_total', { route: '/bad', status_code: '400' }), 1);
    assert.equal(total(samples, 'http_request_errors_total'), 0, '4xx are not errors by default');
  });

  it('keeps the label set bounded under hostile paths and methods (fast-check)', async () => {
    const registry = new Registry();
    const server = buildApp(create, registry).listen(0, '127.0.0.1');
    try {
      const segment = fc.stringMatching(/^[A-Za-z0-9%._~-]{1,20}$/);
      await fc.assert(
        fc.asyncProperty(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.constantFrom('get', 'post', 'delete', 'options') as fc.Arbitrary<'get' | 'post' | 'delete' | 'options'>, async (segments, method) => {
          const res = await request(server)[method]('/' + segments.join('/'));
          assert.ok(res.status < 500, `status ${res.status}`);
        }),
        { numRuns: 100 },
      );
      const samples = await scrape(server);
      const routes = new Set(samples.filter((s) => s.name === 'http_requests_total').map((s) => s.labels.route));
      assert.ok(routes.size <= 8, [...routes].join(','));
    } finally {
      server.close();
    }
  });
});

describe('metrics registries', () => {
  it('uses a dedicated registry by default, not prom-client\'s global one', () => {
    assert.notEqual(platformMetricsRegistry, register);
    requestMetrics();
    assert.ok(platformMetricsRegistry.getSingleMetric('http_requests_total'));
    assert.equal(register.getSingleMetric('http_requests_total'), undefined);
  });

  it('can record into the global registry, and twice into one registry without clashing', () => {
    const registry = new Registry();
    requestMetrics({ registry });
    requestMetrics({ registry });
    requestMetrics({ registry: register, prefix: 'epk_test_http_' });
    assert.ok(register.getSingleMetric('epk_test_http_requests_total'));
    register.removeSingleMetric('epk_test_http_requests_total');
    register.removeSingleMetric('epk_test_http_request_errors_total');
    register.removeSingleMetric('epk_test_http_request_duration_seconds');
  });

  it('rejects bad options with a ConfigError', () => {
    assert.throws(() => requestMetrics({ prefix: 'bad prefix' }), { code: 'ERR_CONFIG_INVALID', message: /prefix/ });
    assert.throws(() => requestMetrics({ registry: {} as Registry }), { code: 'ERR_CONFIG_INVALID', message: /registry/ });
    assert.throws(() => metricsHandler({ registry: {} as Registry }), { code: 'ERR_CONFIG_INVALID' });
    assert.equal(requestMetrics({ registry: new Registry() }).name, 'requestMetrics');
    assert.equal(metricsHandler({ registry: new Registry() }).name, 'metricsHandler');
  });
});
