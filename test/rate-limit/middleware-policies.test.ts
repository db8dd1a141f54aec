/**
 * rateLimit()'s per-request options: `limit`/`windowMs` as functions of the request, `cost`,
 * several `policies` (all or nothing), refunds after the response (`skipFailedRequests`,
 * `skipSuccessfulRequests`, `requestWasSuccessful`, `req.rateLimit.refund()`), `blockMs`.
 * Run on every backend whose store supports cost and refund.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express, NextFunction, Request, Response } from 'express';
import express from 'express';
import request from 'supertest';
import { ConfigError } from '../../lib/config/index.js';
import { rateLimit, type RateLimitMiddlewareOptions, type RateLimitRequestInfo } from '../../lib/rate-limit/index.js';
import { buildApp, redisAndCluster, uniqueName } from './helpers.js';

/** Routes: /ok (200), /fail (500), /bad (400), /refund-twice (refunds twice, then 500), plus buildApp's. */
function appWith(middleware: ReturnType<typeof rateLimit>, seen: RateLimitRequestInfo[] = []): Express {
  const app = express();
  app.set('env', 'test');
  app.use(middleware);
  app.use((req, _res, next) => {
    seen.push(req.rateLimit);
    next();
  });
  app.get('/ok', (_req, res) => void res.send('ok'));
  app.get('/fail', (_req, res) => void res.status(500).send('failed'));
  app.get('/bad', (_req, res) => void res.status(400).send('bad'));
  app.get('/refund-twice', async (req, res) => {
    await req.rateLimit.refund();
    await req.rateLimit.refund();
    res.status(500).send('refunded twice');
  });
  return buildApp(app, []);
}

const statuses = async (app: Express, path: string, n: number, headers: Record<string, string> = {}): Promise<number[]> => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await request(app).get(path).set(headers)).status);
  return out;
};

function policiesContract(title: string, backend: () => Pick<RateLimitMiddlewareOptions, 'redis'>): void {
  const make = (options: Partial<RateLimitMiddlewareOptions>) =>
    rateLimit({ name: uniqueName('pol'), windowMs: 60_000, limit: 5, cacheBlockedKeys: false, ...backend(), ...options } as RateLimitMiddlewareOptions);

  describe(`rate-limit: rateLimit() per-request options on ${title}`, () => {
    it('limit as a function of the request (a plan), evaluated once per request', async () => {
      let calls = 0;
      const middleware = make({ limit: (req: Request) => (calls++, req.get('x-plan') === 'pro' ? 4 : 2), keyGenerator: (req: Request) => req.get('x-user') });
      const app = appWith(middleware);
      assert.deepEqual(await statuses(app, '/ok', 3, { 'X-User': 'free-1' }), [200, 200, 429]);
      assert.deepEqual(await statuses(app, '/ok', 5, { 'X-User': 'pro-1', 'X-Plan': 'pro' }), [200, 200, 200, 200, 429]);
      assert.equal(calls, 8, 'one evaluation per request');
      const res = await request(app).get('/ok').set({ 'X-User': 'pro-2', 'X-Plan': 'pro' }).expect(200);
      assert.equal(res.headers['x-ratelimit-limit'], '4');
      assert.equal(res.headers['ratelimit-policy'], `"${middleware.limiter.name}";q=4;w=60`);
    });

    it('async limit and windowMs functions: the window shows in the headers', async () => {
      const middleware = make({ limit: async () => 2, windowMs: async (req: Request) => (req.get('x-tenant') === 'slow' ? 3_600_000 : 60_000) });
      const app = appWith(middleware);
      const first = await request(app).get('/ok').set('X-Tenant', 'slow').expect(200);
      assert.equal(first.headers['ratelimit-policy'], `"${middleware.limiter.name}";q=2;w=3600`);
      assert.deepEqual(await statuses(app, '/ok', 2, { 'X-Tenant': 'slow' }), [200, 429]);
    });

    it('cost charges several units, all or nothing; req.rateLimit shows used and cost', async () => {
      const seen: RateLimitRequestInfo[] = [];
      const middleware = make({ limit: 10, cost: (req: Request) => (req.path === '/ok' ? 3 : 1) });
      const app = appWith(middleware, seen);
      assert.deepEqual(await statuses(app, '/ok', 4), [200, 200, 200, 429], '3 + 3 + 3 = 9; a 4th would need 12');
      assert.deepEqual(seen.map((info) => [info.used, info.remaining, info.cost]), [[3, 7, 3], [6, 4, 3], [9, 1, 3]]);
      assert.deepEqual(await statuses(app, '/bad', 2), [400, 429], 'a one-unit request still fits, then none');
    });

    it('policies: refused by the first that denies, none charged then; draft-8 headers list every policy', async () => {
      const seen: RateLimitRequestInfo[] = [];
      const middleware = make({
        keyGenerator: (req: Request) => req.get('x-user'),
        standardHeaders: 'draft-8',
        policies: [
          { name: 'tenant', limit: 3, windowMs: 60_000, keyGenerator: (req: Request) => req.get('x-tenant') },
          { name: 'user', limit: 2, windowMs: 60_000 },
        ],
        handler: (req: Request, res: Response) => void res.status(429).json({ policy: req.rateLimit.policy, key: req.rateLimit.key }),
      });
      const app = appWith(middleware, seen);
      const acme = { 'X-Tenant': 'acme' };
      const first = await request(app).get('/ok').set({ ...acme, 'X-User': 'u1' }).expect(200);
      assert.match(first.headers['ratelimit-policy'] as string, /^"tenant";q=3;w=60;pk=:[^:]+:, "user";q=2;w=60;pk=:[^:]+:$/);
      assert.match(first.headers.ratelimit as string, /^"tenant";r=2;t=\d+;pk=:[^:]+:, "user";r=1;t=\d+;pk=:[^:]+:$/);
      await request(app).get('/ok').set({ ...acme, 'X-User': 'u1' }).expect(200);
      const byUser = await request(app).get('/ok').set({ ...acme, 'X-User': 'u1' }).expect(429);
      assert.deepEqual(byUser.body, { policy: 'user', key: 'u1' });
      // the user policy's denial charged the tenant nothing: u2 gets the tenant's third unit
      await request(app).get('/ok').set({ ...acme, 'X-User': 'u2' }).expect(200);
      const byTenant = await request(app).get('/ok').set({ ...acme, 'X-User': 'u3' }).expect(429);
      assert.deepEqual(byTenant.body, { policy: 'tenant', key: 'acme' });
      assert.deepEqual(seen.map((info) => info.policy), ['user', 'user', 'tenant'], 'req.rateLimit: the policy with the least left');
      // none charged on a denial: u3 was refused by the tenant, so its own count is still empty
      const globex = await request(app).get('/ok').set({ 'X-Tenant': 'globex', 'X-User': 'u3' }).expect(200);
      assert.match(globex.headers.ratelimit as string, /"user";r=1;/);
    });

    it('skipFailedRequests gives back the units of failed responses, not of successful ones', async () => {
      const app = appWith(make({ limit: 2, skipFailedRequests: true }));
      assert.deepEqual(await statuses(app, '/fail', 5), [500, 500, 500, 500, 500]);
      assert.deepEqual(await statuses(app, '/bad', 3), [400, 400, 400]);
      assert.deepEqual(await statuses(app, '/ok', 3), [200, 200, 429]);
    });

    it('skipSuccessfulRequests counts only failures; requestWasSuccessful decides what a failure is', async () => {
      const app = appWith(make({ limit: 2, skipSuccessfulRequests: true }));
      assert.deepEqual(await statuses(app, '/ok', 4), [200, 200, 200, 200]);
      assert.deepEqual(await statuses(app, '/bad', 3), [400, 400, 429]);

      const only5xx = appWith(make({ limit: 2, skipFailedRequests: true, requestWasSuccessful: (_req: Request, res: Response) => res.statusCode < 500 }));
      assert.deepEqual(await statuses(only5xx, '/fail', 3), [500, 500, 500]);
      assert.deepEqual(await statuses(only5xx, '/bad', 3), [400, 400, 429], 'a 400 counts as success here');
    });

    it('req.rateLimit.refund() is idempotent: twice in the route plus skipFailedRequests give back one charge', async () => {
      const middleware = make({ limit: 10, cost: 2, skipFailedRequests: true, keyGenerator: () => 'one-client' });
      const app = appWith(middleware);
      await request(app).get('/ok').expect(200); // 2 units that stay counted
      await request(app).get('/refund-twice').expect(500);
      const res = await request(app).get('/ok').expect(200);
      assert.equal(res.headers['x-ratelimit-remaining'], '6', '10 - 2 (kept) - 2 (this one): the refunded request gave back 2 units once');
    });

    it('a request whose client went away is refunded with skipFailedRequests', async () => {
      const middleware = make({ limit: 1, skipFailedRequests: true, keyGenerator: () => 'leaver' });
      let arrived!: () => void;
      let closed!: (info: RateLimitRequestInfo) => void;
      const hasArrived = new Promise<void>((resolve) => (arrived = resolve));
      const hasClosed = new Promise<RateLimitRequestInfo>((resolve) => (closed = resolve));
      const app = express();
      app.use(middleware);
      app.get('/hang', (req: Request, res: Response) => {
        res.once('close', () => closed(req.rateLimit));
        arrived();
      });
      const server = app.listen(0, '127.0.0.1');
      await new Promise<void>((resolve) => server.once('listening', resolve));
      try {
        const client = http.get({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, path: '/hang' });
        client.on('error', () => {});
        await hasArrived;
        client.destroy();
        const info = await hasClosed;
        await info.refund(); // the automatic refund's promise (it ran first, on the same close)
        const after = await middleware.limiter.check('leaver');
        assert.equal(after.allowed, true, 'the unit came back');
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });
}

describe('rate-limit: rateLimit() per-request option checks', () => {
  it('rejects bad per-request options at creation', () => {
    const base = { name: uniqueName(), redis: false as const, windowMs: 60_000 };
    const bads: Record<string, unknown>[] = [
      { cost: -1 }, { cost: 'two' }, { policies: [] }, { policies: [{ limit: 1 }] }, { policies: [{ limit: 1, windowMs: 1000, extra: true }] },
      { limit: () => 5, policies: [{ limit: 1, windowMs: 1000 }] }, { policies: [{ name: 'a', limit: 1, windowMs: 1000 }, { name: 'a', limit: 2, windowMs: 2000 }] },
      { policies: [{ name: 'bad name', limit: 1, windowMs: 1000 }] }, { skipFailedRequests: 'yes' }, { requestWasSuccessful: true },
    ];
    for (const bad of bads) assert.throws(() => rateLimit({ ...base, ...bad } as never), ConfigError, JSON.stringify(bad));
  });

  it('a limit function answering a bad number fails that request with a 500, never passes it', async () => {
    const app = appWith(rateLimit({ name: uniqueName(), redis: false, windowMs: 60_000, limit: () => -3 }));
    await request(app).get('/ok').expect(500);
  });

  it('blockMs keeps a client refused for the penalty after it went over the limit', async () => {
    const app = appWith(rateLimit({ name: uniqueName(), redis: false, limit: 1, windowMs: 1000, blockMs: 30_000 }));
    await request(app).get('/ok').expect(200);
    const res = await request(app).get('/ok').expect(429);
    assert.ok(Number(res.headers['retry-after']) >= 29, `Retry-After ${res.headers['retry-after']}`);
  });

  it('handler errors after a refusal and errors of next handlers stay single (no double next)', async () => {
    const calls: string[] = [];
    const app = express();
    app.set('env', 'test');
    app.use(rateLimit({ name: uniqueName(), redis: false, limit: 1, windowMs: 60_000, cost: () => 1, handler: (_req: Request, _res: Response, next: NextFunction) => next(new Error('custom')) }));
    app.get('/ok', (_req, res) => void res.send('ok'));
    app.use((error: Error, _req: Request, res: Response, _next: NextFunction) => {
      calls.push(error.message);
      res.status(418).send(error.message);
    });
    await request(app).get('/ok').expect(200);
    await request(app).get('/ok').expect(418);
    assert.deepEqual(calls, ['custom']);
  });
});

describe('rate-limit: per-request options on Redis and a Redis Cluster', function () {
  this.timeout(60_000);
  const backends = redisAndCluster();
  policiesContract('memory', () => ({ redis: false }));
  policiesContract('Redis', () => ({ redis: backends.redis }));
  policiesContract('Redis Cluster', () => ({ redis: backends.cluster }));
});

