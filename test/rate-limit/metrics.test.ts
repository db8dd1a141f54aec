/**
 * The rate limiter's counters on the kit's `/metrics`: decisions per limiter and outcome,
 * store errors per limiter, read from plain integers at scrape time.
 */
import assert from 'node:assert/strict';
import express from 'express';
import request from 'supertest';
import { metricsHandler } from '../../lib/alerting/index.js';
import { createRateLimiter, rateLimit, type RateLimitStore } from '../../lib/rate-limit/index.js';
import { parsePrometheus, total } from '../alerting/helpers.js';
import { buildApp, uniqueName } from './helpers.js';

/** A store whose every check fails, as a Redis outage does. */
const failingStore: RateLimitStore = {
  kind: 'failing',
  check: () => {
    throw new Error('store down');
  },
  info: () => Promise.reject(new Error('store down')),
  reset: () => Promise.reject(new Error('store down')),
};

async function scrape(app: express.Express) {
  const res = await request(app).get('/metrics').expect(200);
  return parsePrometheus(res.text);
}

describe('rate-limit: metrics on the kit /metrics', () => {
  it('counts allowed and limited decisions per limiter name', async () => {
    const name = uniqueName('metrics');
    const other = uniqueName('metrics');
    const app = express();
    app.get('/metrics', metricsHandler()); // exempt from the limit by default
    buildApp(app, [rateLimit({ name, redis: false, limit: 2, windowMs: 60_000 })]);
    const otherApp = buildApp(express(), [rateLimit({ name: other, redis: false, limit: 1, windowMs: 60_000 })]);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await request(app).get('/api/hello')).status);
    await request(otherApp).get('/api/hello').expect(200);
    assert.deepEqual(statuses, [200, 200, 429, 429, 429]);
    const samples = await scrape(app);
    assert.equal(total(samples, 'rate_limit_decisions_total', { limiter: name, decision: 'allowed' }), 2);
    assert.equal(total(samples, 'rate_limit_decisions_total', { limiter: name, decision: 'limited' }), 3);
    assert.equal(total(samples, 'rate_limit_decisions_total', { limiter: other, decision: 'allowed' }), 1);
    assert.equal(total(samples, 'rate_limit_decisions_total', { limiter: other, decision: 'limited' }), 0);
    // counters only grow between scrapes
    await request(app).get('/api/hello').expect(429);
    assert.equal(total(await scrape(app), 'rate_limit_decisions_total', { limiter: name, decision: 'limited' }), 4);
  });

  it('adds up two middlewares of one limiter name', async () => {
    const name = uniqueName('metrics');
    const limiter = createRateLimiter({ name, redis: false, limit: 10, windowMs: 60_000 });
    const app = express();
    app.get('/metrics', metricsHandler());
    app.get('/a', rateLimit({ limiter }), (_req, res) => void res.send('a'));
    app.get('/b', rateLimit({ limiter }), (_req, res) => void res.send('b'));
    await request(app).get('/a').expect(200);
    await request(app).get('/b').expect(200);
    assert.equal(total(await scrape(app), 'rate_limit_decisions_total', { limiter: name, decision: 'allowed' }), 2);
  });

  it('counts store errors per limiter (failing open: no decision counted)', async () => {
    const name = uniqueName('metrics');
    const app = express();
    app.get('/metrics', metricsHandler());
    const middleware = rateLimit({ name, store: failingStore, limit: 2, windowMs: 60_000, onStoreError: 'open' });
    buildApp(app, [middleware]);
    for (let i = 0; i < 3; i++) await request(app).get('/api/hello').expect(200);
    const samples = await scrape(app);
    assert.equal(total(samples, 'rate_limit_store_errors_total', { limiter: name }), 3);
    assert.equal(total(samples, 'rate_limit_decisions_total', { limiter: name }), 0);
    assert.equal(middleware.stats.storeErrors, 3);
  });

});
