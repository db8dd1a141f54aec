/**
 * The lean Redis scripts: packed integer replies at the extremes of the option ranges, and
 * recovery after the server lost its script cache (NOSCRIPT → EVAL) on a live connection.
 */
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { RATE_LIMIT_ALGORITHMS, createRateLimiter } from '../../lib/rate-limit/index.js';
import { uniqueName } from './helpers.js';

const MAX_WINDOW_MS = 31 * 24 * 3600 * 1000;

describe('rate-limit: Redis scripts', () => {
  let client: Redis;
  before(() => {
    client = new Redis(process.env.TEST_REDIS_URL as string, { enableAutoPipelining: true });
  });
  after(() => client.quit());

  for (const algorithm of RATE_LIMIT_ALGORITHMS) {
    it(`${algorithm}: exact remaining and reset at the largest limit and window (packed reply)`, async () => {
      const memory = createRateLimiter({ name: uniqueName(), store: 'memory', algorithm, limit: 1_000_000, windowMs: MAX_WINDOW_MS });
      const redis = createRateLimiter({ name: uniqueName(), redis: client, algorithm, limit: 1_000_000, windowMs: MAX_WINDOW_MS });
      for (let i = 1; i <= 3; i++) {
        const [m, r] = [await memory.check('big'), await redis.check('big')];
        assert.deepEqual([r.allowed, r.remaining, r.retryAfterMs], [true, 1_000_000 - i, 0]);
        assert.deepEqual([m.allowed, m.remaining], [true, r.remaining]);
        assert.ok(Math.abs(r.resetAt - m.resetAt) <= 2 * MAX_WINDOW_MS / 1_000_000 + 1000, `${algorithm} resetAt ${r.resetAt} vs memory ${m.resetAt}`);
      }
    });
  }

  it('token-bucket: a refill longer than the packed range still answers exactly (table reply)', async () => {
    // 1 token per 31 days: after 4 tokens the bucket is full again in 4 × 2.7e9 ms > 2^33 ms
    const limiter = createRateLimiter({ name: uniqueName(), redis: client, algorithm: 'token-bucket', limit: 1, burst: 1_000_000, windowMs: MAX_WINDOW_MS });
    const before = Date.now();
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await limiter.check('huge'));
    assert.deepEqual(results.map((r) => [r.allowed, r.remaining, r.retryAfterMs]), [[true, 999_999, 0], [true, 999_998, 0], [true, 999_997, 0], [true, 999_996, 0]]);
    for (const [i, r] of results.entries()) {
      assert.ok(Math.abs(r.resetAt - before - (i + 1) * MAX_WINDOW_MS) < 5000, `resetAt ${r.resetAt - before} ms ahead after ${i + 1}`);
    }
    assert.ok(4 * MAX_WINDOW_MS > 2 ** 33);
    const info = await limiter.info('huge');
    assert.deepEqual([info.remaining, info.current], [999_996, 4]);
  });

  it('keeps counting after SCRIPT FLUSH on a live connection (NOSCRIPT answered by EVAL)', async () => {
    for (const algorithm of RATE_LIMIT_ALGORITHMS) {
      const limiter = createRateLimiter({ name: uniqueName(), redis: client, algorithm, limit: 3, windowMs: 60_000 });
      assert.equal((await limiter.check('f')).remaining, 2);
      await client.script('FLUSH');
      const after = await Promise.all([limiter.check('f'), limiter.check('f'), limiter.check('f')]);
      assert.deepEqual(after.map((r) => r.allowed).sort(), [false, true, true], algorithm);
      assert.equal((await limiter.info('f')).remaining, 0, algorithm);
    }
  });
});
