import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { isKitError } from '../../lib/errors/index.js';
import { ConfigError } from '../../lib/config/index.js';
import { createMemoryStore, createRateLimiter, rateLimit, rateLimitStorageKey } from '../../lib/rate-limit/index.js';
import { collectWarnings } from './helpers.js';
import { engineContract } from './engine-suite.js';
import { limiterContract } from './limiter-suite.js';

const url = () => process.env.TEST_REDIS_URL as string;
let client: Redis;
before(() => {
  client = new Redis(url(), { enableAutoPipelining: true });
});
after(() => client.quit());

limiterContract('memory store', () => ({ store: 'memory' }));
limiterContract('Redis store', () => ({ redis: client }));
engineContract('memory store', () => ({ store: 'memory' }));
engineContract('Redis store', () => ({ redis: client }));

describe('rate-limit: createRateLimiter', () => {
  it('validates options once, at creation, with a ConfigError', () => {
    for (const bad of [{ limit: 0 }, { windowMs: -1 }, { algorithm: 'leaky' }, { name: 'a b{c}' }, { burst: 1.5 }, { store: 42 }, { max: 10 }]) {
      assert.throws(() => createRateLimiter({ windowMs: 1000, limit: 1, ...bad } as never), ConfigError, JSON.stringify(bad));
    }
    assert.throws(() => createRateLimiter({ store: 'redis', limit: 1, windowMs: 1000, env: {} }), /needs a `redis` option/);
  });

  it('takes limit and window from RATE_LIMIT_* and Redis from REDIS_URL when not given', async () => {
    const limiter = createRateLimiter({ name: `env-${randomUUID().slice(0, 8)}`, env: { RATE_LIMIT_REQUESTS_PER_MINUTE: '7', RATE_LIMIT_WINDOW_SECONDS: '30', REDIS_URL: url() } });
    assert.deepEqual([limiter.limit, limiter.windowMs, limiter.algorithm, limiter.store.kind], [7, 30_000, 'sliding-log', 'redis']);
    assert.equal((await limiter.check('x')).remaining, 6);
    const bucket = createRateLimiter({ algorithm: 'token-bucket', store: 'memory', env: { RATE_LIMIT_BURST: '4' } });
    assert.equal(bucket.capacity, 4);
    assert.equal(createRateLimiter({ algorithm: 'token-bucket', store: 'memory', env: {} }).capacity, 60, 'capacity is `limit` unless a burst is given');
  });

  it('redis: false limits in memory even when REDIS_URL is set; store: "memory" still works (deprecated alias)', async () => {
    const env = { REDIS_URL: url() };
    const limiter = createRateLimiter({ name: `mem-${randomUUID().slice(0, 8)}`, redis: false, limit: 1, windowMs: 60_000, env });
    assert.equal(limiter.store.kind, 'memory');
    assert.equal((await limiter.check('k')).allowed, true);
    assert.equal((await limiter.check('k')).allowed, false);
    assert.equal(createRateLimiter({ name: `alias-${randomUUID().slice(0, 8)}`, store: 'memory', limit: 1, windowMs: 60_000, env }).store.kind, 'memory');
    assert.equal(rateLimit({ name: `mw-${randomUUID().slice(0, 8)}`, redis: false, limit: 1, windowMs: 60_000, env }).limiter.store.kind, 'memory');
    assert.throws(() => createRateLimiter({ store: 'redis', redis: false, limit: 1, windowMs: 60_000, env }), ConfigError);
  });

  it('warns WARN_RATE_LIMIT_WINDOW_MS_SMALL once for a window under one second (seconds given as milliseconds)', async () => {
    const codes = await collectWarnings(async () => {
      const name = `small-${randomUUID().slice(0, 8)}`;
      createRateLimiter({ name, store: 'memory', limit: 5, windowMs: 60 });
      createRateLimiter({ name, store: 'memory', limit: 5, windowMs: 60 });
      createRateLimiter({ name: `ok-${randomUUID().slice(0, 8)}`, store: 'memory', limit: 5, windowMs: 1000 });
    });
    assert.deepEqual(codes.filter((c) => c === 'WARN_RATE_LIMIT_WINDOW_MS_SMALL'), ['WARN_RATE_LIMIT_WINDOW_MS_SMALL']);
  });

  it('warns once (coded) when two unnamed limiters share a store', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error & { code?: string }) => warnings.push(String(w.code));
    process.on('warning', onWarning);
    try {
      const store = createMemoryStore();
      createRateLimiter({ store, limit: 1, windowMs: 1000 });
      createRateLimiter({ store, limit: 1, windowMs: 1000, name: 'named' });
      createRateLimiter({ store, limit: 1, windowMs: 1000 });
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(warnings.filter((c) => c === 'WARN_RATE_LIMIT_UNNAMED_SHARED_STORE'), ['WARN_RATE_LIMIT_UNNAMED_SHARED_STORE']);
  });

  it('rejects a non-string key without touching the store', async () => {
    const limiter = createRateLimiter({ store: 'memory', limit: 1, windowMs: 1000, name: 'nonstring' });
    await assert.rejects(limiter.check(42 as unknown as string), TypeError);
  });

  it('the memory store stays bounded', async () => {
    const store = createMemoryStore({ maxKeys: 100 });
    const limiter = createRateLimiter({ store, limit: 5, windowMs: 60_000, name: 'bounded' });
    for (let i = 0; i < 1000; i++) await limiter.check(`k${i}`);
    assert.ok(store.size <= 100, `size ${store.size}`);
    store.clear();
  });
});

describe('rate-limit: Redis store specifics', () => {
  const name = () => `r-${randomUUID().slice(0, 8)}`;

  it('uses Redis server time: a host whose clock is an hour behind still counts its requests', async () => {
    const limiter = createRateLimiter({ name: name(), redis: client, limit: 3, windowMs: 60_000, cacheBlockedKeys: false });
    const realNow = Date.now;
    Date.now = () => realNow() - 3_600_000;
    try {
      for (let i = 0; i < 3; i++) assert.equal((await limiter.check('skew')).allowed, true);
    } finally {
      Date.now = realNow;
    }
    const after = await limiter.check('skew');
    assert.equal(after.allowed, false, 'a local-clock limiter would have thought those requests an hour old');
    assert.ok(after.retryAfterMs <= 60_000);
  });

  it('keeps the log bounded by the limit, adds no rejected request, and expires keys with the window', async () => {
    const n = name();
    const log = createRateLimiter({ name: n, redis: client, limit: 5, windowMs: 2000, cacheBlockedKeys: false });
    await Promise.all(Array.from({ length: 40 }, () => log.check('flood')));
    const key = rateLimitStorageKey(n, 'sliding-log', 'flood');
    assert.equal(await client.llen(key), 5);
    const ttl = await client.pttl(key);
    assert.ok(ttl > 0 && ttl <= 2000, `ttl ${ttl}`);
    for (const algorithm of ['sliding-window', 'token-bucket'] as const) {
      const other = createRateLimiter({ name: n, redis: client, limit: 5, windowMs: 2000, algorithm });
      await other.check('flood');
      const otherTtl = await client.pttl(rateLimitStorageKey(n, algorithm, 'flood'));
      // sliding window: end of the next window; token bucket: one refill past the moment it is full again
      assert.ok(otherTtl > 0 && otherTtl <= 4000, `${algorithm} ttl ${otherTtl}`);
    }
  });

  it('hostile keys (long, unicode, braces, newlines) work on Redis and never share a budget', async () => {
    const limiter = createRateLimiter({ name: name(), redis: client, limit: 1, windowMs: 60_000, algorithm: 'sliding-window', cacheBlockedKeys: false });
    const hostile = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 30 }),
      fc.string({ minLength: 129, maxLength: 20_000 }),
      fc.array(fc.constantFrom('{', '}', '\n', '\r', ' ', ':', 'é', '🙂', '\u0000', 'a'), { maxLength: 40 }).map((parts) => parts.join('')),
    );
    await fc.assert(fc.asyncProperty(fc.uniqueArray(hostile, { minLength: 2, maxLength: 6 }), async (keys) => {
      const prefix = `${Math.random()}`;
      const first = await Promise.all(keys.map((key) => limiter.check(prefix + key)));
      assert.ok(first.every((r) => r.allowed), 'each key has its own budget');
      const second = await Promise.all(keys.map((key) => limiter.check(prefix + key)));
      assert.ok(second.every((r) => !r.allowed), 'and each key is counted');
    }), { numRuns: 25 });
  });

  it('answers keys known to be over the limit from process memory (no Redis call) until they may pass', async () => {
    const own = new Redis(url(), { enableAutoPipelining: true, maxRetriesPerRequest: 0 });
    const limiter = createRateLimiter({ name: name(), redis: own, limit: 2, windowMs: 600 });
    await limiter.check('attacker');
    await limiter.check('attacker');
    const first = await limiter.check('attacker');
    assert.equal(first.allowed, false);
    own.disconnect(); // from now on every Redis call fails
    for (let i = 0; i < 50; i++) {
      const r = await limiter.check('attacker');
      assert.equal(r.allowed, false);
      assert.ok(r.retryAfterMs > 0 && r.retryAfterMs <= first.retryAfterMs);
    }
    await sleep(first.retryAfterMs + 10);
    await assert.rejects(limiter.check('attacker'), (err: unknown) => isKitError(err) && err.code === 'ERR_STORE_UNAVAILABLE');
  });
});
