/**
 * The Express surface users know from express-rate-limit: `req.rateLimit`, `handler`,
 * `statusCode`, `message`, the three header drafts and `legacyHeaders`.
 */
import assert from 'node:assert/strict';
import type { Express, NextFunction, Request, Response } from 'express';
import request from 'supertest';
import { ConfigError } from '../../lib/config/index.js';
import { rateLimit, type RateLimitMiddlewareOptions, type RateLimitRequestInfo } from '../../lib/rate-limit/index.js';
import { partitionKeyOf } from '../../lib/rate-limit/headers.js';
import { forEachExpress } from '../support/express.js';
import { buildApp, uniqueName } from './helpers.js';

describe('rate-limit: rateLimit() surface options', () => {
  it('rejects a bad header draft, status or message at creation', () => {
    for (const bad of [{ standardHeaders: 'draft-9' }, { statusCode: 200 }, { message: 5 }, { handler: 'send' }]) {
      assert.throws(() => rateLimit({ name: uniqueName(), redis: false, limit: 1, windowMs: 1000, ...bad } as never), ConfigError, JSON.stringify(bad));
    }
  });

  it('draft 8 partition keys are a short hash per policy and key, never the key', () => {
    const pk = partitionKeyOf('api', '203.0.113.7');
    assert.match(pk, /^[A-Za-z0-9+/]{12}$/);
    assert.equal(partitionKeyOf('api', '203.0.113.7'), pk, 'stable');
    assert.notEqual(partitionKeyOf('api', '203.0.113.8'), pk);
    assert.notEqual(partitionKeyOf('other', '203.0.113.7'), pk, 'per policy');
    assert.ok(!Buffer.from(pk, 'base64').toString('latin1').includes('203.0.113'));
  });
});

forEachExpress('rate-limit: rateLimit() surface', ({ create }) => {
  const limited = (limit: number, extra: Partial<RateLimitMiddlewareOptions> = {}) =>
    rateLimit({ name: uniqueName('surface'), redis: false, limit, windowMs: 60_000, keyGenerator: (req) => req.get('x-client'), ...extra });

  /** An app whose /info route echoes `req.rateLimit` (typed by the kit's declaration merge, no cast). */
  function infoApp(middleware: ReturnType<typeof rateLimit>): Express {
    const app = create();
    app.use(middleware);
    app.get('/info', (req, res) => {
      const info: RateLimitRequestInfo | undefined = req.rateLimit;
      const remaining: number | undefined = req.rateLimit?.remaining;
      res.json({
        limit: info?.limit, used: info?.used, remaining, resetAt: info?.resetAt, resetTime: info?.resetTime.toISOString(),
        key: info?.key, policy: info?.policy, cost: info?.cost,
      });
    });
    return buildApp(app, []);
  }

  it('sets req.rateLimit: limit, used, remaining, resetAt/resetTime, key and policy', async () => {
    const middleware = limited(3);
    const app = infoApp(middleware);
    const before = Date.now();
    const first = (await request(app).get('/info').set('X-Client', 'alice').expect(200)).body;
    assert.deepEqual([first.limit, first.used, first.remaining, first.key, first.policy, first.cost], [3, 1, 2, 'alice', middleware.limiter.name, 1]);
    assert.ok(first.resetAt >= before + 59_000 && first.resetAt <= Date.now() + 60_000, `resetAt ${first.resetAt}`);
    assert.equal(new Date(first.resetTime).getTime(), first.resetAt);
    const second = (await request(app).get('/info').set('X-Client', 'alice').expect(200)).body;
    assert.deepEqual([second.used, second.remaining], [2, 1]);
  });

  it('calls handler(req, res, next, info) for a refused request, with headers and Retry-After set', async () => {
    const seen: RateLimitRequestInfo[] = [];
    const handler = (req: Request, res: Response, _next: NextFunction, info: RateLimitRequestInfo) => {
      seen.push(info);
      assert.equal(req.rateLimit, info);
      res.status(429).json({ slowDown: true, retryInMs: info.retryAfterMs, remaining: info.remaining });
    };
    const app = buildApp(create(), [limited(1, { handler })]);
    await request(app).get('/api/hello').set('X-Client', 'a').expect(200);
    const res = await request(app).get('/api/hello').set('X-Client', 'a').expect(429);
    assert.equal(res.body.slowDown, true);
    assert.ok(res.body.retryInMs > 59_000 && res.body.retryInMs <= 60_000);
    assert.equal(res.headers['retry-after'], '60');
    assert.equal(res.headers['x-ratelimit-remaining'], '0');
    assert.equal(seen.length, 1);
    assert.deepEqual([seen[0]!.used, seen[0]!.remaining, seen[0]!.cost, seen[0]!.key], [1, 0, 0, 'a']);
  });

  it('passes what a handler throws or rejects with to next()', async () => {
    const app = buildApp(create(), [limited(1, { handler: async () => Promise.reject(new Error('handler failed')) })]);
    await request(app).get('/api/hello').set('X-Client', 'a').expect(200);
    await request(app).get('/api/hello').set('X-Client', 'a').expect(500);
  });

  it('statusCode alone changes the status of the kit error (detail object kept)', async () => {
    const app = buildApp(create(), [limited(1, { statusCode: 503 })]);
    await request(app).get('/api/hello').set('X-Client', 'a').expect(200);
    const res = await request(app).get('/api/hello').set('X-Client', 'a').expect(503);
    assert.equal(res.body.detail.error, 'Rate limit exceeded');
    assert.ok(Number(res.headers['retry-after']) >= 59);
  });

  it('message: a string is sent as text, an object as JSON, a function\'s (async) result either way', async () => {
    const text = buildApp(create(), [limited(1, { message: 'Too many requests, please try again later.', statusCode: 420 })]);
    await request(text).get('/api/hello').set('X-Client', 'a').expect(200);
    const t = await request(text).get('/api/hello').set('X-Client', 'a').expect(420);
    assert.equal(t.text, 'Too many requests, please try again later.');
    assert.ok(Number(t.headers['retry-after']) >= 59);

    const json = buildApp(create(), [limited(1, { message: { error: 'slow down' } })]);
    await request(json).get('/api/hello').set('X-Client', 'a').expect(200);
    assert.deepEqual((await request(json).get('/api/hello').set('X-Client', 'a').expect(429)).body, { error: 'slow down' });

    const dynamic = buildApp(create(), [limited(1, { message: async (req: Request, _res: Response, info: RateLimitRequestInfo) => ({ client: req.get('x-client'), limit: info.limit }) })]);
    await request(dynamic).get('/api/hello').set('X-Client', 'b').expect(200);
    assert.deepEqual((await request(dynamic).get('/api/hello').set('X-Client', 'b').expect(429)).body, { client: 'b', limit: 1 });
  });

  it("standardHeaders 'draft-6': RateLimit-Limit/Remaining/Reset and RateLimit-Policy", async () => {
    const res = await request(buildApp(create(), [limited(5, { standardHeaders: 'draft-6' })])).get('/api/hello').set('X-Client', 'a').expect(200);
    assert.equal(res.headers['ratelimit-policy'], '5;w=60');
    assert.deepEqual([res.headers['ratelimit-limit'], res.headers['ratelimit-remaining']], ['5', '4']);
    assert.match(res.headers['ratelimit-reset'] as string, /^(59|60)$/);
    assert.equal(res.headers.ratelimit, undefined);
  });

  it("standardHeaders 'draft-7': one RateLimit field and RateLimit-Policy", async () => {
    const res = await request(buildApp(create(), [limited(5, { standardHeaders: 'draft-7' })])).get('/api/hello').set('X-Client', 'a').expect(200);
    assert.equal(res.headers['ratelimit-policy'], '5;w=60');
    assert.match(res.headers.ratelimit as string, /^limit=5, remaining=4, reset=(59|60)$/);
    assert.equal(res.headers['ratelimit-limit'], undefined);
  });

  it("standardHeaders 'draft-8': the policy name, q, w and a hashed partition key pk (never the raw key)", async () => {
    const middleware = limited(5, { standardHeaders: 'draft-8' });
    const app = buildApp(create(), [middleware]);
    const name = middleware.limiter.name;
    const res = await request(app).get('/api/hello').set('X-Client', 'tenant-42').expect(200);
    const pk = partitionKeyOf(name, 'tenant-42');
    assert.equal(res.headers['ratelimit-policy'], `"${name}";q=5;w=60;pk=:${pk}:`);
    assert.match(res.headers.ratelimit as string, new RegExp(`^"${name}";r=4;t=(59|60);pk=:${pk.replace(/[+/]/g, '\\$&')}:$`));
    assert.ok(!JSON.stringify(res.headers).includes('tenant-42'), 'the key is not sent');
    const other = await request(app).get('/api/hello').set('X-Client', 'tenant-43').expect(200);
    assert.notEqual(other.headers['ratelimit-policy'], res.headers['ratelimit-policy'], 'another key, another pk');
  });

  it('standardHeaders false and legacyHeaders false send no rate-limit headers (Retry-After still on a 429)', async () => {
    const app = buildApp(create(), [limited(1, { standardHeaders: false, legacyHeaders: false })]);
    const ok = await request(app).get('/api/hello').set('X-Client', 'a').expect(200);
    assert.deepEqual(Object.keys(ok.headers).filter((h) => h.includes('ratelimit')), []);
    const denied = await request(app).get('/api/hello').set('X-Client', 'a').expect(429);
    assert.deepEqual(Object.keys(denied.headers).filter((h) => h.includes('ratelimit')), []);
    assert.ok(Number(denied.headers['retry-after']) >= 59);
  });
});
