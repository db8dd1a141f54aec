/**
 * Redis stopped and restarted under a running app (its own redis-server, so the shared one is
 * never disturbed): the three onStoreError modes, NOSCRIPT recovery, no unhandled rejection.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Express } from 'express';
import express from 'express';
import { Redis } from 'ioredis';
import request from 'supertest';
import { isKitError } from '../../lib/errors/index.js';
import { createRateLimiter, rateLimit, rateLimitAdminRouter, type RateLimitMiddleware } from '../../lib/rate-limit/index.js';
import { startRedis, type RedisServerHandle } from '../support/redis-server.js';
import { buildApp, collectWarnings, uniqueName } from './helpers.js';

describe('rate-limit: Redis faults', function () {
  this.timeout(30_000);
  let server: RedisServerHandle;
  let client: Redis;
  let app: Express;
  const middlewares: Record<'open' | 'closed' | 'memory', RateLimitMiddleware> = {} as never;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    server = await startRedis();
    client = new Redis(server.url, { enableAutoPipelining: true, maxRetriesPerRequest: 1, retryStrategy: (times) => Math.min(times * 50, 300) });
    client.on('error', () => {});
    app = express();
    app.set('env', 'test');
    for (const mode of ['open', 'closed', 'memory'] as const) {
      middlewares[mode] = rateLimit({ name: uniqueName(mode), redis: client, limit: 2, windowMs: 60_000, onStoreError: mode, keyGenerator: (req) => req.get('x-client') });
      app.get(`/${mode}`, middlewares[mode], (_req, res) => {
        res.send(mode);
      });
    }
    app.use('/admin', rateLimitAdminRouter({ limiter: middlewares.open.limiter }));
    buildApp(app, []);
  });

  after(async () => {
    process.off('unhandledRejection', onUnhandled);
    client.disconnect();
    await server.stop();
  });

  let clientId = 'phase-1';
  const statuses = async (path: string, n: number) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await request(app).get(path).set('X-Client', clientId)).status);
    return out;
  };

  it('limits through Redis while it is up', async () => {
    for (const mode of ['open', 'closed', 'memory']) assert.deepEqual(await statuses(`/${mode}`, 3), [200, 200, 429], mode);
  });

  it('recovers from a script cache flush (NOSCRIPT) transparently', async () => {
    await client.script('FLUSH');
    const limiter = createRateLimiter({ name: uniqueName('flush'), redis: client, limit: 1, windowMs: 10_000 });
    assert.equal((await limiter.check('k')).allowed, true);
    assert.equal((await limiter.check('k')).allowed, false);
  });

  it("Redis stopped: 'open' serves without 5xx (warned once, counted), 'closed' answers 503 with Retry-After, 'memory' keeps limiting", async () => {
    await server.stop();
    clientId = 'phase-2'; // phase-1 is blocked, and known blocked keys stay blocked from memory
    const codes = await collectWarnings(async () => {
      assert.deepEqual(await statuses('/open', 5), [200, 200, 200, 200, 200]);
    });
    assert.equal(codes.filter((c) => c === 'WARN_RATE_LIMIT_STORE_UNAVAILABLE').length, 1, 'one warning per outage');
    const stats = middlewares.open.stats;
    assert.equal(stats.outages, 1);
    assert.equal(stats.storeErrors, 5);
    assert.equal(stats.storeDown, true);

    const closed = await request(app).get('/closed').set('X-Client', clientId);
    assert.equal(closed.status, 503);
    assert.ok(Number(closed.headers['retry-after']) >= 1);

    assert.deepEqual(await statuses('/memory', 3), [200, 200, 429], 'a per-process memory limiter takes over');
    const limited = await request(app).get('/memory').set('X-Client', clientId);
    assert.ok(Number(limited.headers['retry-after']) >= 1);

    const direct = middlewares.open.limiter;
    await assert.rejects(direct.check('someone'), (err: unknown) => isKitError(err) && err.code === 'ERR_STORE_UNAVAILABLE');
    await request(app).get('/admin/rate-limit/phase-1').expect(503);
  });

  it('Redis started again (empty, scripts gone): limiting resumes without restarting the app', async () => {
    await server.restart();
    clientId = 'phase-3';
    const deadline = Date.now() + 10_000;
    for (;;) {
      const res = await request(app).get('/open').set('X-Client', clientId);
      if (res.headers['x-ratelimit-limit'] !== undefined) break;
      if (Date.now() > deadline) throw new Error('limiting did not resume within 10 s');
      await sleep(50);
    }
    assert.equal(middlewares.open.stats.storeDown, false);
    assert.deepEqual(await statuses('/open', 2), [200, 429]);
    for (const mode of ['closed', 'memory']) assert.deepEqual(await statuses(`/${mode}`, 3), [200, 200, 429], mode);
    assert.equal(await client.exists(...(await client.keys('rl:*'))), (await client.keys('rl:*')).length, 'counts live in Redis again');
  });

  it('no unhandled rejection happened during the outage', async () => {
    await sleep(20);
    assert.deepEqual(unhandled, []);
  });
});
