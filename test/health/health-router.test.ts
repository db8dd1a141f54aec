import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import express from 'express';
import request from 'supertest';
import { Redis } from 'ioredis';
import { healthRouter, ConfigError, rateLimit, createRateLimiter, errorHandler } from '../../lib/index.js';
import { startRedis } from '../support/redis-server.js';
import { startJwksServer } from '../support/jwt.js';

function appWith(router: express.Router): express.Express {
  const app = express();
  app.use('/health', router);
  return app;
}

describe('healthRouter: liveness and readiness', () => {
  let redis: Redis;
  before(() => {
    redis = new Redis(process.env.TEST_REDIS_URL as string);
  });
  after(async () => {
    await redis.quit();
  });

  it('answers /livez 200 and /readyz 200 with each check when all pass', async () => {
    const app = appWith(healthRouter({ redis, checks: { db: async () => {} }, env: {} }));
    const live = await request(app).get('/health/livez');
    assert.equal(live.status, 200);
    assert.deepEqual(live.body, { status: 'ok' });
    assert.equal(live.headers['cache-control'], 'no-store');
    const ready = await request(app).get('/health/readyz');
    assert.equal(ready.status, 200);
    assert.equal(ready.body.status, 'ok');
    assert.deepEqual(Object.keys(ready.body.checks).sort(), ['db', 'redis']);
    assert.equal(ready.body.checks.redis.status, 'ok');
  });

  it('answers 503 with the failing check code (never its message) when an app check rejects', async () => {
    const app = appWith(healthRouter({ redis: false, checks: { db: async () => { throw new Error('password=hunter2 refused'); }, cache: async () => {} }, env: {} }));
    const ready = await request(app).get('/health/readyz');
    assert.equal(ready.status, 503);
    assert.equal(ready.body.status, 'fail');
    assert.deepEqual(ready.body.checks.db, { status: 'fail', durationMs: ready.body.checks.db.durationMs, code: 'ERR_HEALTH_CHECK_FAILED' });
    assert.equal(ready.body.checks.cache.status, 'ok');
    assert.ok(!ready.text.includes('hunter2'));
    // liveness does not depend on readiness
    assert.equal((await request(app).get('/health/livez')).status, 200);
  });

  it('times out a hanging check (ERR_HEALTH_CHECK_TIMEOUT) and aborts its signal', async () => {
    let aborted: unknown;
    const hang = (signal: AbortSignal) => new Promise<void>(() => signal.addEventListener('abort', () => (aborted = signal.reason)));
    const app = appWith(healthRouter({ redis: false, checks: { hang }, timeoutMs: 50, env: {} }));
    const started = Date.now();
    const ready = await request(app).get('/health/readyz');
    assert.equal(ready.status, 503);
    assert.equal(ready.body.checks.hang.code, 'ERR_HEALTH_CHECK_TIMEOUT');
    assert.ok(Date.now() - started < 2000);
    assert.equal((aborted as { code?: string }).code, 'ERR_HEALTH_CHECK_TIMEOUT');
  });

  it('caches the verdict for cacheMs and shares one run between concurrent probes', async () => {
    let runs = 0;
    const app = appWith(healthRouter({ redis: false, checks: { counted: async () => void runs++ }, cacheMs: 60_000, env: {} }));
    const answers = await Promise.all(Array.from({ length: 20 }, () => request(app).get('/health/readyz')));
    assert.ok(answers.every((a) => a.status === 200));
    await request(app).get('/health/readyz');
    assert.equal(runs, 1);
    let fresh = 0;
    const uncached = appWith(healthRouter({ redis: false, checks: { counted: async () => void fresh++ }, cacheMs: 0, env: {} }));
    await request(uncached).get('/health/readyz');
    await request(uncached).get('/health/readyz');
    assert.equal(fresh, 2);
  });

  it('reports a stopped Redis as ERR_STORE_UNAVAILABLE (503) and recovers when it is back', async () => {
    const server = await startRedis();
    const client = new Redis(server.url, { maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => 50 });
    client.on('error', () => {});
    try {
      await once(client, 'ready');
      const app = appWith(healthRouter({ redis: client, cacheMs: 0, env: {} }));
      assert.equal((await request(app).get('/health/readyz')).status, 200);
      await server.stop();
      const down = await request(app).get('/health/readyz');
      assert.equal(down.status, 503);
      assert.equal(down.body.checks.redis.code, 'ERR_STORE_UNAVAILABLE');
      await server.restart();
      // Bounded polling: ioredis reconnects on its own schedule.
      let back = 503;
      for (let i = 0; i < 100 && back !== 200; i++) {
        if (client.status !== 'ready') await once(client, 'ready');
        back = (await request(app).get('/health/readyz')).status;
      }
      assert.equal(back, 200);
    } finally {
      client.disconnect();
      await server.stop();
    }
  });

  it('bounds the PING of a Redis that accepts but does not answer (CLIENT PAUSE)', async () => {
    const client = new Redis(process.env.TEST_REDIS_URL as string);
    const admin = new Redis(process.env.TEST_REDIS_URL as string);
    try {
      await client.ping();
      const app = appWith(healthRouter({ redis: client, timeoutMs: 100, cacheMs: 0, env: {} }));
      await admin.call('CLIENT', 'PAUSE', '1500', 'ALL');
      const started = Date.now();
      const ready = await request(app).get('/health/readyz');
      assert.equal(ready.status, 503);
      assert.equal(ready.body.checks.redis.code, 'ERR_STORE_UNAVAILABLE');
      assert.ok(Date.now() - started < 1000, 'the deadline, not the pause, ends the probe');
    } finally {
      await admin.call('CLIENT', 'UNPAUSE');
      await Promise.all([client.quit(), admin.quit()]);
    }
  });

  it('checks a configured JWKS URL: 200 when it serves keys, 503 when it errors or is gone', async () => {
    const jwks = await startJwksServer([]);
    try {
      const app = appWith(healthRouter({ redis: false, jwksUrl: jwks.url, cacheMs: 0, timeoutMs: 500, env: {} }));
      const ok = await request(app).get('/health/readyz');
      assert.equal(ok.status, 200);
      assert.equal(ok.body.checks.jwks.status, 'ok');
      await jwks.down('error');
      const failing = await request(app).get('/health/readyz');
      assert.equal(failing.status, 503);
      assert.equal(failing.body.checks.jwks.code, 'ERR_AUTH_JWKS_UNAVAILABLE');
      assert.ok(!failing.text.includes(jwks.url));
      await jwks.up();
      await jwks.down('refuse');
      const gone = await request(app).get('/health/readyz');
      assert.equal(gone.status, 503);
      assert.equal(gone.body.checks.jwks.code, 'ERR_AUTH_JWKS_UNAVAILABLE', 'connection refused');
    } finally {
      await jwks.stop();
    }
  });

  it('rejects bad options with one ConfigError listing every bad field', () => {
    assert.throws(
      () => healthRouter({ timeoutMs: -1, cacheMs: 'x' as unknown as number, checks: { db: 'nope' as never }, typo: 1 } as never),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        for (const field of ['timeoutMs', 'cacheMs', 'checks.db', 'typo']) assert.ok(error.message.includes(field), `${field} in ${error.message}`);
        return true;
      },
    );
    assert.throws(() => healthRouter({ redis: false, jwksUrl: 'ftp://127.0.0.1/jwks', env: {} }), ConfigError);
    assert.throws(() => healthRouter({ redis: false, checks: { redis: async () => {} }, env: {} }), ConfigError);
  });

  it('is exempt from the rate limiter by default when mounted at /health', async () => {
    const app = express();
    app.use(rateLimit({ limiter: createRateLimiter({ name: 'health-exempt', limit: 1, store: 'memory', env: {} }) }));
    app.use('/health', healthRouter({ redis: false, env: {} }));
    app.get('/work', (_req, res) => void res.send('ok'));
    app.use(errorHandler());
    for (let i = 0; i < 5; i++) {
      assert.equal((await request(app).get('/health/readyz')).status, 200);
      assert.equal((await request(app).get('/health/livez')).status, 200);
    }
    assert.equal((await request(app).get('/work')).status, 200);
    assert.equal((await request(app).get('/work')).status, 429);
  });

  it('answers 503 shutting_down once markShuttingDown() ran, liveness stays 200', async () => {
    const health = healthRouter({ redis: false, env: {} });
    const server: Server = createServer(appWith(health));
    assert.equal((await request(server).get('/health/readyz')).status, 200);
    health.markShuttingDown();
    const ready = await request(server).get('/health/readyz');
    assert.equal(ready.status, 503);
    assert.equal(ready.body.status, 'shutting_down');
    assert.equal((await request(server).get('/health/livez')).status, 200);
  });
});
