/**
 * The behaviour every store must show for every algorithm (run on memory, Redis and a Redis
 * Cluster). Windows are short real windows; waits come from the limiter's own `retryAfterMs`.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  RATE_LIMIT_ALGORITHMS, createRateLimiter, type RateLimitAlgorithm, type RateLimiter, type RateLimiterOptions,
} from '../../lib/rate-limit/index.js';

export type LimiterFactory = (options: RateLimiterOptions) => RateLimiter;

/** Longest wait after a rejection, per algorithm (sliding window may need part of the next window). */
const maxWaitFactor: Record<RateLimitAlgorithm, number> = { 'sliding-log': 1, 'sliding-window': 2, 'token-bucket': 1 };

export function limiterContract(storeTitle: string, backend: () => Pick<RateLimiterOptions, 'store' | 'redis'>): void {
  const make: LimiterFactory = (options) => createRateLimiter({ name: `t-${randomUUID().slice(0, 8)}`, cacheBlockedKeys: false, ...backend(), ...options });

  for (const algorithm of RATE_LIMIT_ALGORITHMS) {
    describe(`${storeTitle}: ${algorithm}`, () => {
      it('lets exactly `limit` of a concurrent burst through, and every check counts (unique members)', async () => {
        const limiter = make({ algorithm, limit: 25, windowMs: 60_000 });
        const results = await Promise.all(Array.from({ length: 60 }, () => limiter.check('burst')));
        assert.equal(results.filter((r) => r.allowed).length, 25);
        for (const r of results.filter((x) => !x.allowed)) {
          assert.equal(r.remaining, 0);
          assert.equal(r.limit, 25);
          assert.ok(r.retryAfterMs > 0 && r.retryAfterMs <= 60_000 * maxWaitFactor[algorithm], `retryAfterMs ${r.retryAfterMs}`);
          assert.ok(r.resetAt >= Date.now() + r.retryAfterMs - 50);
        }
      });

      it('counts remaining down one by one and keeps keys and limiters apart', async () => {
        const limiter = make({ algorithm, limit: 3, windowMs: 60_000 });
        const other = make({ algorithm, limit: 3, windowMs: 60_000 });
        const remaining = [];
        for (let i = 0; i < 4; i++) remaining.push((await limiter.check('a')).remaining);
        assert.deepEqual(remaining, [2, 1, 0, 0]);
        assert.equal((await limiter.check('b')).allowed, true, 'another key has its own budget');
        assert.equal((await other.check('a')).allowed, true, 'another limiter name has its own budget');
      });

      it('answers an accurate retryAfterMs: still rejected just before it, allowed just after, however often the client retries', async () => {
        const windowMs = 1200;
        const limiter = make({ algorithm, limit: 2, windowMs });
        await limiter.check('c');
        await limiter.check('c');
        const rejected = await limiter.check('c');
        assert.equal(rejected.allowed, false);
        const start = Date.now();
        const waitMs = rejected.retryAfterMs;
        assert.ok(waitMs <= windowMs * maxWaitFactor[algorithm]);
        // hammering while blocked must not extend the ban
        while (Date.now() - start < waitMs - 250) {
          assert.equal((await limiter.check('c')).allowed, false);
          await sleep(20);
        }
        await sleep(Math.max(0, start + waitMs - 150 - Date.now()));
        assert.equal((await limiter.check('c')).allowed, false, 'not allowed early');
        await sleep(Math.max(0, start + waitMs + 20 - Date.now()));
        assert.equal((await limiter.check('c')).allowed, true, 'allowed once the wait is over');
      });

      it('info() reads without counting; reset() restores the full budget', async () => {
        const limiter = make({ algorithm, limit: 4, windowMs: 60_000 });
        const fresh = await limiter.info('d');
        assert.deepEqual([fresh.limit, fresh.remaining, fresh.current, fresh.windowMs], [4, 4, 0, 60_000]);
        await limiter.check('d');
        await limiter.check('d');
        const before = await limiter.info('d');
        const again = await limiter.info('d');
        assert.deepEqual([before.remaining, before.current], [2, 2]);
        assert.deepEqual([again.remaining, again.current], [2, 2], 'info does not consume');
        assert.ok(before.resetAt > Date.now());
        await limiter.reset('d');
        assert.equal((await limiter.info('d')).remaining, 4);
        for (let i = 0; i < 4; i++) assert.equal((await limiter.check('d')).allowed, true);
      });
    });
  }

  describe(`${storeTitle}: token-bucket burst`, () => {
    it('holds `burst` tokens and refills `limit` per window', async () => {
      const limiter = make({ algorithm: 'token-bucket', limit: 10, windowMs: 1000, burst: 3 });
      const results = await Promise.all(Array.from({ length: 6 }, () => limiter.check('e')));
      assert.equal(results.filter((r) => r.allowed).length, 3);
      assert.equal(results[0]!.limit, 3);
      const wait = results.find((r) => !r.allowed)!.retryAfterMs;
      assert.ok(wait > 0 && wait <= 100, `one token every 100 ms, got ${wait}`);
      await sleep(wait + 10);
      assert.equal((await limiter.check('e')).allowed, true);
    });
  });
}
