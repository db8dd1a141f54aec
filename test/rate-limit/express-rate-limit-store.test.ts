/**
 * `ExpressRateLimitStore` driven by express-rate-limit itself (v8), over supertest, on memory,
 * one Redis and a 3-master Redis Cluster.
 */
import assert from 'node:assert/strict';
import express, { type Express, type RequestHandler } from 'express';
import { rateLimit as expressRateLimit, type Options as ErlOptions, type Store } from 'express-rate-limit';
import request from 'supertest';
import { ConfigError } from '../../lib/config/index.js';
import { isKitError } from '../../lib/errors/index.js';
import { createRateLimiter, ExpressRateLimitStore, type RateLimiter, type RateLimiterOptions } from '../../lib/rate-limit/index.js';
import { redisAndCluster, uniqueName } from './helpers.js';

/** express-rate-limit's logger, kept (its store-init and decrement errors land here). */
function recordingLogger() {
  const errors: unknown[] = [];
  const warnings: unknown[] = [];
  return { errors, warnings, error: (error: unknown) => void errors.push(error), warn: (warning: unknown) => void warnings.push(warning) };
}

/** An app limited by express-rate-limit on `store`: /ok answers 200, /fail 500; `X-Client` is the key. */
function erlApp(store: Store, options: Partial<ErlOptions>): { app: Express; logger: ReturnType<typeof recordingLogger>; middleware: ReturnType<typeof expressRateLimit> } {
  const logger = recordingLogger();
  const middleware = expressRateLimit({ store, logger, keyGenerator: (req) => String(req.get('x-client')), ...options });
  const app = express();
  app.set('env', 'test'); // Express's default handler answers the 500s without printing them
  app.use(middleware as RequestHandler);
  app.get('/ok', (_req, res) => void res.send('ok'));
  app.get('/fail', (_req, res) => void res.status(500).send('failed'));
  return { app, logger, middleware };
}

const statusesOf = async (app: Express, path: string, client: string, n: number): Promise<number[]> => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await request(app).get(path).set('X-Client', client)).status);
  return out;
};

function adapterContract(title: string, backend: () => Pick<RateLimiterOptions, 'redis'>): void {
  const make = (options: RateLimiterOptions = {}): RateLimiter =>
    createRateLimiter({ name: uniqueName('erl'), limit: 3, windowMs: 60_000, cacheBlockedKeys: false, ...backend(), ...options });

  describe(`express-rate-limit store adapter on ${title}`, () => {
    it('limits exactly `limit` per client, with express-rate-limit\'s own headers and 429', async () => {
      const limiter = make();
      const { app, logger } = erlApp(new ExpressRateLimitStore({ limiter }), { limit: 3, windowMs: 60_000, standardHeaders: 'draft-7' });
      const first = await request(app).get('/ok').set('X-Client', 'a').expect(200);
      assert.equal(first.headers.ratelimit, 'limit=3, remaining=2, reset=60');
      assert.deepEqual(await statusesOf(app, '/ok', 'a', 4), [200, 200, 429, 429]);
      const denied = await request(app).get('/ok').set('X-Client', 'a').expect(429);
      assert.equal(denied.text, 'Too many requests, please try again later.');
      const retryAfter = Number(denied.headers['retry-after']);
      assert.ok(retryAfter >= 58 && retryAfter <= 60, `Retry-After ${retryAfter}`);
      assert.deepEqual(await statusesOf(app, '/ok', 'b', 1), [200], 'another client has its own count');
      assert.equal((await limiter.info('a')).current, 3, 'denials are not counted (the limiter is all-or-nothing)');
      assert.deepEqual(logger.errors, []);
    });

    it('answers getKey and resetKey through the limiter', async () => {
      const limiter = make();
      const { app, middleware } = erlApp(new ExpressRateLimitStore({ limiter, prefix: 'p:' }), { limit: 3, windowMs: 60_000 });
      assert.equal(await middleware.getKey('a'), undefined, 'an unknown client has no count');
      await statusesOf(app, '/ok', 'a', 3);
      const info = await middleware.getKey('a');
      assert.equal(info?.totalHits, 3);
      assert.ok(info?.resetTime instanceof Date && info.resetTime.getTime() > Date.now());
      assert.equal((await limiter.info('p:a')).current, 3, 'keys carry the prefix');
      await middleware.resetKey('a');
      assert.deepEqual(await statusesOf(app, '/ok', 'a', 1), [200]);
    });

    it('with skipFailedRequests, the decrement after a 429 gives back nothing (the denial counted nothing)', async () => {
      const limiter = make();
      const { app, logger } = erlApp(new ExpressRateLimitStore({ limiter }), { limit: 3, windowMs: 60_000, skipFailedRequests: true });
      assert.deepEqual(await statusesOf(app, '/ok', 'a', 8), [200, 200, 200, 429, 429, 429, 429, 429]);
      assert.equal((await limiter.info('a')).current, 3);
      assert.deepEqual(logger.errors, []);
    });

    it('with skipFailedRequests, decrement refunds failed requests through the limiter (atomic refund)', async () => {
      const limiter = make();
      const { app, logger } = erlApp(new ExpressRateLimitStore({ limiter }), { limit: 3, windowMs: 60_000, skipFailedRequests: true });
      assert.deepEqual(await statusesOf(app, '/fail', 'a', 6), [500, 500, 500, 500, 500, 500]);
      assert.deepEqual(await statusesOf(app, '/ok', 'a', 4), [200, 200, 200, 429]);
      assert.equal((await limiter.info('a')).current, 3);
      assert.deepEqual(logger.errors, []);
    });

    it('with skipSuccessfulRequests, only failures count', async () => {
      const limiter = make();
      const { app } = erlApp(new ExpressRateLimitStore({ limiter }), { limit: 3, windowMs: 60_000, skipSuccessfulRequests: true });
      assert.deepEqual(await statusesOf(app, '/ok', 'a', 5), [200, 200, 200, 200, 200]);
      assert.deepEqual(await statusesOf(app, '/fail', 'a', 4), [500, 500, 500, 429]);
    });

    it('rejects a limit or windowMs that differs from the limiter\'s with a ConfigError at init, and fails every request', async () => {
      const limiter = make();
      const { app, logger } = erlApp(new ExpressRateLimitStore({ limiter }), { limit: 5, windowMs: 1000 });
      assert.equal(logger.errors.length, 1, 'express-rate-limit logs the init error');
      const error = logger.errors[0];
      assert.ok(error instanceof ConfigError && isKitError(error) && error.code === 'ERR_CONFIG_INVALID');
      assert.deepEqual(error.issues.map((issue) => issue.variable), ['limit', 'windowMs']);
      assert.match(error.message, /limit \(5\) differs from the limiter "erl-[^"]+"'s \(3\)/);
      const res = await request(app).get('/ok').set('X-Client', 'a');
      assert.equal(res.status, 500, 'no request passes a misconfigured limiter');
      assert.equal((await limiter.info('a')).current, 0);

      const dynamic = erlApp(new ExpressRateLimitStore({ limiter: make() }), { limit: () => 3, windowMs: 60_000 });
      assert.match(String((dynamic.logger.errors[0] as Error).message), /limit: must be a number/);
    });
  });
}

describe('rate-limit: ExpressRateLimitStore (express-rate-limit v8)', function () {
  this.timeout(60_000);
  const backends = redisAndCluster();

  it('is an express-rate-limit Store (type and options checked at construction)', () => {
    const store: Store = new ExpressRateLimitStore({ limiter: createRateLimiter({ name: uniqueName(), redis: false, limit: 1, windowMs: 1000 }) });
    assert.equal(store.localKeys, false);
    assert.throws(() => new ExpressRateLimitStore({ limiter: {} as never }), ConfigError);
  });

  adapterContract('memory', () => ({ redis: false }));
  adapterContract('Redis', () => ({ redis: backends.redis }));
  adapterContract('Redis Cluster', () => ({ redis: backends.cluster }));
});
