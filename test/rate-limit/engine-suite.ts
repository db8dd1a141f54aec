/**
 * The engine features every store must show for every algorithm (run on memory, Redis and a
 * Redis Cluster): cost, dynamic policies, refunds, hitAll (all or nothing) and blockMs.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { RATE_LIMIT_ALGORITHMS, createRateLimiter, type RateLimiter, type RateLimiterOptions } from '../../lib/rate-limit/index.js';

/** The longest window: no window boundary falls inside a test (the sliding window stays exact). */
const LONG_WINDOW_MS = 31 * 24 * 3600 * 1000;

export function engineContract(storeTitle: string, backend: () => Pick<RateLimiterOptions, 'store' | 'redis'>): void {
  const make = (options: RateLimiterOptions): RateLimiter =>
    createRateLimiter({ name: `e-${randomUUID().slice(0, 8)}`, cacheBlockedKeys: false, ...backend(), ...options });

  for (const algorithm of RATE_LIMIT_ALGORITHMS) {
    describe(`${storeTitle}: ${algorithm} engine`, () => {
      it('cost charges several units, all or nothing; a cost above the capacity is denied, not thrown', async () => {
        const limiter = make({ algorithm, limit: 10, windowMs: LONG_WINDOW_MS });
        const results = [];
        for (let i = 0; i < 4; i++) results.push(await limiter.check('c', { cost: 3 }));
        assert.deepEqual(results.map((r) => [r.allowed, r.remaining, r.used, r.cost]), [[true, 7, 3, 3], [true, 4, 6, 3], [true, 1, 9, 3], [false, 1, 9, 3]]);
        assert.ok(results[3]!.retryAfterMs > 0);
        assert.deepEqual([(await limiter.check('c')).remaining], [0], 'the denied cost-3 check charged nothing: one unit was still there');
        const huge = await limiter.check('fresh', { cost: 11 });
        assert.deepEqual([huge.allowed, huge.remaining], [false, 10]);
        assert.ok(huge.retryAfterMs > 0);
        const free = await limiter.check('fresh', { cost: 0 });
        assert.deepEqual([free.allowed, free.remaining], [true, 10], 'cost 0 charges nothing');
      });

      it('rejects a bad cost or policy at call time with a RangeError, never charging', async () => {
        const limiter = make({ algorithm, limit: 3, windowMs: 60_000 });
        for (const bad of [{ cost: -1 }, { cost: 1.5 }, { cost: Number.NaN }, { cost: '2' as unknown as number }, { limit: 0 }, { windowMs: 0 }, { limit: 2.5 }, { blockMs: -5 }]) {
          await assert.rejects(limiter.check('k', bad), RangeError, JSON.stringify(bad));
        }
        assert.equal((await limiter.info('k')).current, 0);
      });

      it('dynamic policy: a per-call limit reads the same counters; a per-call window has its own', async () => {
        const limiter = make({ algorithm, limit: 2, windowMs: LONG_WINDOW_MS });
        const pro = [];
        for (let i = 0; i < 6; i++) pro.push(await limiter.check('p', { limit: 5 }));
        assert.deepEqual(pro.map((r) => r.allowed), [true, true, true, true, true, false]);
        assert.deepEqual([pro[0]!.limit, pro[0]!.policy.limit, pro[0]!.policy.windowMs, pro[4]!.remaining], [5, 5, LONG_WINDOW_MS, 0]);
        assert.equal((await limiter.check('p')).allowed, false, 'the default (free) limit sees the 5 units used');
        const hourly = await limiter.check('p', { windowMs: LONG_WINDOW_MS - 1 });
        assert.deepEqual([hourly.allowed, hourly.remaining, hourly.policy.windowMs], [true, 1, LONG_WINDOW_MS - 1], 'another window: its own counters');
        assert.equal((await limiter.info('p', { windowMs: LONG_WINDOW_MS - 1 })).current, 1);
      });

      it('refund gives back units atomically, never below zero used nor above what is counted', async () => {
        const limiter = make({ algorithm, limit: 5, windowMs: LONG_WINDOW_MS });
        assert.deepEqual(await limiter.refund('r', 3), { refunded: 0, remaining: 5 }, 'nothing counted: nothing to give back');
        assert.equal((await limiter.check('r', { cost: 3 })).remaining, 2);
        assert.deepEqual(await limiter.refund('r', 2), { refunded: 2, remaining: 4 });
        assert.deepEqual(await limiter.refund('r', 10), { refunded: 1, remaining: 5 });
        const again = [];
        for (let i = 0; i < 6; i++) again.push((await limiter.check('r')).allowed);
        assert.deepEqual(again, [true, true, true, true, true, false], 'the budget is whole again, not more');
        // a refund under a dynamic window gives back that window's counters only
        await limiter.check('w', { windowMs: 1_000_000 });
        assert.deepEqual(await limiter.refund('w', 1), { refunded: 0, remaining: 5 });
        assert.deepEqual(await limiter.refund('w', 1, { windowMs: 1_000_000 }), { refunded: 1, remaining: 5 });
        await assert.rejects(limiter.refund('r', -1), RangeError);
      });

      it('hitAll: several policies together, none charged when one denies, the first denial named', async () => {
        const limiter = make({ algorithm, limit: 3, windowMs: LONG_WINDOW_MS });
        // per tenant and per user, per "second" and per "hour": different keys and windows
        const checks = [
          { key: 'tenant:a', limit: 4 },
          { key: 'user:1', limit: 3, windowMs: LONG_WINDOW_MS - 1 },
          { key: 'user:1', limit: 2 },
        ];
        const first = await limiter.checkAll(checks);
        assert.deepEqual([first.allowed, first.deniedIndex, first.results.map((r) => r.remaining)], [true, -1, [3, 2, 1]]);
        const second = await limiter.checkAll(checks);
        assert.deepEqual([second.allowed, second.deniedIndex, second.results.map((r) => r.remaining)], [true, -1, [2, 1, 0]]);
        const denied = await limiter.checkAll(checks);
        assert.deepEqual([denied.allowed, denied.deniedIndex, denied.results.map((r) => r.allowed)], [false, 2, [true, true, false]]);
        assert.ok(denied.results[2]!.retryAfterMs > 0);
        assert.equal((await limiter.info('tenant:a', { limit: 4 })).current, 2, 'the tenant was not charged for the denied request');
        assert.equal((await limiter.info('user:1', { windowMs: LONG_WINDOW_MS - 1 })).current, 2);
        const costly = await limiter.checkAll([{ key: 'tenant:a', limit: 4, cost: 2 }, { key: 'other', cost: 4 }]);
        assert.deepEqual([costly.allowed, costly.deniedIndex], [false, 1], 'a cost above the capacity denies the whole set');
        assert.equal((await limiter.info('tenant:a', { limit: 4 })).current, 2);
        assert.deepEqual((await limiter.checkAll([])).results, []);
        await assert.rejects(Promise.resolve().then(() => limiter.hitAll([{ key: 'x' }, { key: 'x', limit: 9 }])), TypeError, 'one counter twice');
      });

      it('blockMs: after a denial the key stays denied for the block, counters untouched, then passes', async () => {
        const blockMs = 2500;
        const limiter = make({ algorithm, limit: 1, windowMs: 1000, blockMs });
        const perCall = make({ algorithm, limit: 1, windowMs: 1000 });
        assert.equal((await limiter.check('b')).allowed, true);
        assert.equal((await perCall.check('b', { blockMs })).allowed, true);
        const [denied, deniedPerCall] = [await limiter.check('b'), await perCall.check('b', { blockMs })];
        const start = Date.now();
        for (const r of [denied, deniedPerCall]) {
          assert.equal(r.allowed, false);
          assert.ok(r.retryAfterMs > blockMs - 100 && r.retryAfterMs <= blockMs, `retryAfterMs ${r.retryAfterMs}`);
        }
        await sleep(2100); // every algorithm would allow again by now (a window of 1 s, twice)
        const still = await limiter.check('b');
        assert.equal(still.allowed, false, 'blocked beyond the window');
        assert.ok(still.retryAfterMs > 0 && still.retryAfterMs <= blockMs - 2000, `retryAfterMs ${still.retryAfterMs}`);
        assert.equal((await perCall.check('b', { blockMs })).allowed, false);
        await sleep(Math.max(0, start + blockMs + 30 - Date.now()));
        assert.equal((await limiter.check('b')).allowed, true, 'allowed once the block is over');
        assert.equal((await perCall.check('b', { blockMs })).allowed, true);
      });

      it('fast-check: any sequence of costs, refunds and limits matches the exact model (no unit lost or made up)', async () => {
        const step = fc.oneof(
          fc.record({ op: fc.constant('hit' as const), cost: fc.integer({ min: 0, max: 14 }) }),
          fc.record({ op: fc.constant('refund' as const), cost: fc.integer({ min: 0, max: 14 }) }),
        );
        await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 10 }), fc.array(step, { maxLength: 12 }), async (limit, steps) => {
          const limiter = make({ algorithm, limit, windowMs: LONG_WINDOW_MS });
          let used = 0;
          for (const { op, cost } of steps) {
            if (op === 'hit') {
              const r = await limiter.check('m', { cost });
              const fits = used + cost <= limit;
              assert.equal(r.allowed, fits, `cost ${cost} with ${used}/${limit} used`);
              if (fits) used += cost;
              assert.equal(r.remaining, limit - used);
            } else {
              const r = await limiter.refund('m', cost);
              assert.equal(r.refunded, Math.min(cost, used));
              used -= r.refunded;
              assert.equal(r.remaining, limit - used);
            }
          }
        }), { numRuns: 15 });
      });
    });
  }
}
