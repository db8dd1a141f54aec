import assert from 'node:assert/strict';
import type { Express, NextFunction, Request, Response } from 'express';
import express4 from 'express4';
import express5 from 'express';
import { Registry } from 'prom-client';
import request from 'supertest';
import { metricsHandler, requestMetrics } from '../../lib/alerting/index.js';
import { errorHandler, HttpError } from '../../lib/errors/index.js';
import { accessLog, requestContext } from '../../lib/logging/index.js';
import { routePatternOf } from '../../lib/logging/route-pattern.js';
import { forEachExpress } from '../support/express.js';
import { parsePrometheus, total } from '../alerting/helpers.js';
import { captureLogs, type MemoryTransport } from './helpers.js';

forEachExpress('route pattern (access log path and metrics route label)', ({ name, create }) => {
  const Router = name === 'express5' ? express5.Router : (express4 as unknown as typeof express5).Router;
  let memory: MemoryTransport;
  let registry: Registry;
  let app: Express;
  let seen: (string | undefined)[];

  beforeEach(() => {
    memory = captureLogs();
    registry = new Registry();
    seen = [];
    app = create();
    app.use(requestContext(), accessLog(), requestMetrics({ registry, maxRoutes: 50 }));
    app.use((req, res, next) => {
      res.on('finish', () => seen.push(routePatternOf(req)));
      next();
    });
    app.get('/metrics', metricsHandler({ registry }));
    const orders = Router({ mergeParams: true });
    orders.get('/orders/:orderId', (_req, res) => void res.send('order'));
    const users = Router({ mergeParams: true });
    users.use('/:userId', orders);
    users.get('/:userId', (_req, res) => void res.send('user'));
    app.use('/users', users);
    const items = Router();
    items.get('/items/:id', (req: Request, res: Response, next: NextFunction) => {
      if (req.headers.authorization) res.send('item');
      else next(new HttpError(401, 'no credentials'));
    });
    app.use('/api', items);
    app.use('/v1', items);
    const admin = create();
    admin.get('/reports/:reportId', (_req, res) => void res.send('report'));
    app.use('/admin', admin);
    app.get(['/a/:x', '/b/:y'], (_req, res) => void res.send('multi'));
    app.use(errorHandler({ onServerError: () => {} }));
  });

  function accessPaths(): string[] {
    return memory.records.filter((record) => record.logger === 'access').map((record) => String(record.path));
  }

  it('a router mounted at /users/:userId yields one pattern for every id, nested mounts included', async () => {
    for (let id = 0; id < 60; id += 1) await request(app).get(`/users/u${id}/orders/o${id}`).expect(200);
    await request(app).get('/users/u1').expect(200);
    assert.deepEqual(new Set(accessPaths()), new Set(['/users/:userId/orders/:orderId', '/users/:userId']));
    const samples = parsePrometheus((await request(app).get('/metrics')).text);
    assert.equal(total(samples, 'http_requests_total', { route: '/users/:userId/orders/:orderId' }), 60);
    assert.equal(total(samples, 'http_requests_total', { route: '<other>' }), 0, '60 ids did not fill maxRoutes (50)');
    assert.equal(total(samples, 'http_requests_total', { route: '/users/:userId' }), 1);
  });

  it('an error that reaches the app-level handler through next(err) keeps the full pattern (200 and 401 share the label)', async () => {
    await request(app).get('/api/items/7').set('Authorization', 'Bearer x').expect(200);
    await request(app).get('/api/items/8').expect(401);
    assert.deepEqual(accessPaths(), ['/api/items/:id', '/api/items/:id']);
    const samples = parsePrometheus((await request(app).get('/metrics')).text);
    assert.equal(total(samples, 'http_requests_total', { route: '/api/items/:id', status_code: '200' }), 1);
    assert.equal(total(samples, 'http_requests_total', { route: '/api/items/:id', status_code: '401' }), 1);
    assert.equal(total(samples, 'http_requests_total', { route: '/items/:id' }), 0);
  });

  it('one router mounted twice, sub-apps and array paths get their own pattern; unmatched requests none', async () => {
    await request(app).get('/v1/items/1').set('Authorization', 'x').expect(200);
    await request(app).get('/admin/reports/r9').expect(200);
    await request(app).get('/b/2').expect(200);
    await request(app).get('/nowhere/42').expect(404);
    assert.deepEqual(seen, ['/v1/items/:id', '/admin/reports/:reportId', '/b/:y', undefined]);
    assert.deepEqual(accessPaths(), ['/v1/items/:id', '/admin/reports/:reportId', '/b/:y', '/nowhere/42']);
  });
});
