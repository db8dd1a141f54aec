/**
 * The engine at the store boundary: one script call for a turn's hitAll sets on one Redis
 * (counted in INFO commandstats of a private server), and what the limiter does with a custom
 * store lacking cost, block, refund or hitAll (a clear error, or the in-order fallback).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ConfigError } from '../../lib/config/index.js';
import {
  createMemoryStore, createRateLimiter, type RateLimitStore, type RateLimitStorePolicy,
} from '../../lib/rate-limit/index.js';
import { commandCalls, privateRedis, uniqueName } from './helpers.js';

/** A custom store of the kind written before cost existed: check/info/reset only (on memory). */
function legacyStore(withRefund: boolean): RateLimitStore {
  const memory = createMemoryStore();
  const store: RateLimitStore = {
    kind: 'legacy',
    check: (key: string, policy: RateLimitStorePolicy, now?: number) => memory.check(key, policy, now),
    info: (key: string, policy: RateLimitStorePolicy) => memory.info(key, policy),
    reset: (key: string, policy: RateLimitStorePolicy) => memory.reset(key, policy),
  };
  return withRefund ? { ...store, refund: (key, units, policy, now) => memory.refund(key, units, policy, now) } : store;
}

describe('rate-limit: engine at the store boundary', function () {
  this.timeout(30_000);
  const redis = privateRedis();

  it('one Redis: the hitAll sets of one event-loop turn cost ONE script call, each set still all or nothing', async () => {
    const limiter = createRateLimiter({ name: uniqueName(), redis: redis.client, limit: 3, windowMs: 60_000, cacheBlockedKeys: false });
    const sets = (i: number) => [{ key: `tenant:${i % 2}` }, { key: `user:${i}`, limit: 1 }, { key: `user:${i}`, limit: 5, windowMs: 3_600_000 }];
    await limiter.checkAll([{ key: 'w' }, { key: 'w1', limit: 1 }, { key: 'w1', limit: 5, windowMs: 3_600_000 }]); // the script is cached now
    await redis.admin.config('RESETSTAT');
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => limiter.checkAll(sets(i))));
    assert.equal(await commandCalls(redis.admin, 'evalsha'), 1);
    // tenant:0 and tenant:1 take 3 each: sets 0..5 pass, 6 and 7 are denied by the tenant
    assert.deepEqual(results.map((r) => r.deniedIndex), [-1, -1, -1, -1, -1, -1, 0, 0]);
    assert.equal((await limiter.info('user:6', { limit: 1 })).current, 0, 'a denied set charged nobody');
  });

  it('memory: hit and hitAll answer synchronously (no promise per request), with cost and a dynamic policy', () => {
    const limiter = createRateLimiter({ name: uniqueName(), redis: false, limit: 3, windowMs: 60_000 });
    const one = limiter.hit('k', { cost: 2, limit: 4 });
    assert.ok(!(one instanceof Promise));
    assert.deepEqual([one.allowed, one.remaining, one.used, one.policy.limit], [true, 2, 2, 4]);
    const all = limiter.hitAll([{ key: 'k', limit: 4, cost: 2 }, { key: 'j', cost: 4 }]);
    assert.ok(!(all instanceof Promise));
    assert.deepEqual([all.allowed, all.deniedIndex], [false, 1]);
  });

  it('fast-check: hostile per-call values (any type, NaN, ±Infinity, huge) never throw synchronously and never charge when refused', async () => {
    const limiter = createRateLimiter({ name: uniqueName(), redis: redis.client, limit: 5, windowMs: 60_000, cacheBlockedKeys: false });
    const hostile = fc.oneof(fc.anything(), fc.double(), fc.constantFrom(Number.NaN, Infinity, -Infinity, 2 ** 53, -0, 1e6 + 1), fc.integer());
    await fc.assert(fc.asyncProperty(hostile, hostile, hostile, async (cost, limit, windowMs) => {
      const key = `h-${Math.random()}`;
      let answer: unknown;
      assert.doesNotThrow(() => {
        answer = limiter.hit(key, { cost, limit, windowMs } as never);
      });
      try {
        const result = await answer as { allowed: boolean; remaining: number; used: number };
        assert.ok(result.remaining >= 0 && result.used >= 0);
      } catch (error) {
        assert.ok(error instanceof RangeError || error instanceof TypeError, String(error));
        assert.equal((await limiter.info(key)).current, 0, 'a refused call charged nothing');
      }
    }), { numRuns: 200 });
  });

  it('storage keys: a per-call window counts under its own key, in the same hash tag (one cluster slot)', async () => {
    const name = uniqueName();
    const limiter = createRateLimiter({ name, redis: redis.client, limit: 3, windowMs: 60_000 });
    await limiter.check('user:1', { windowMs: 1000 });
    await limiter.check('user:1', { blockMs: 5000, limit: 1 });
    await limiter.check('user:1', { blockMs: 5000, limit: 1 });
    const keys = (await redis.client.keys(`rl:{${name}:*`)).sort();
    assert.deepEqual(keys, [`rl:{${name}:k:user:1}:ll`, `rl:{${name}:k:user:1}:ll:1000`, `rl:{${name}:k:user:1}:ll:b`]);
    const pttl = await redis.client.pttl(`rl:{${name}:k:user:1}:ll:b`);
    assert.ok(pttl > 4000 && pttl <= 5000, `block PX ${pttl}`);
    await limiter.reset('user:1');
    assert.equal(await redis.client.exists(`rl:{${name}:k:user:1}:ll:b`), 0, 'reset lifts the block too');
  });

  it('a store without the cost or block feature: a clear error, never a silently ignored cost', async () => {
    const limiter = createRateLimiter({ name: uniqueName(), store: legacyStore(false), limit: 3, windowMs: 60_000 });
    assert.equal((await limiter.check('k')).allowed, true, 'cost 1 works as before');
    await assert.rejects(limiter.check('k', { cost: 2 }), /does not support cost/);
    await assert.rejects(limiter.check('k', { blockMs: 1000 }), /does not support blockMs/);
    assert.throws(() => createRateLimiter({ name: uniqueName(), store: legacyStore(false), limit: 3, windowMs: 60_000, blockMs: 1000 }), ConfigError);
    await assert.rejects(limiter.refund('k'), /does not support refund/);
    await assert.rejects(Promise.resolve().then(() => limiter.hitAll([{ key: 'a' }, { key: 'b' }])), /neither hitAll nor refund/);
    assert.equal((await limiter.info('k')).current, 1, 'nothing was charged by the refused calls');
  });

  it('a store with refund but no hitAll: checks in order, the charged refunded at a denial, the rest only read', async () => {
    const limiter = createRateLimiter({ name: uniqueName(), store: legacyStore(true), limit: 2, windowMs: 60_000 });
    await limiter.check('b');
    await limiter.check('b');
    const denied = await limiter.checkAll([{ key: 'a' }, { key: 'b' }, { key: 'c' }]);
    assert.deepEqual([denied.allowed, denied.deniedIndex, denied.results.map((r) => r.allowed)], [false, 1, [true, false, true]]);
    assert.deepEqual([(await limiter.info('a')).current, (await limiter.info('c')).current], [0, 0], 'a refunded, c never charged');
    const ok = await limiter.checkAll([{ key: 'a' }, { key: 'c' }]);
    assert.deepEqual([ok.allowed, (await limiter.info('a')).current, (await limiter.info('c')).current], [true, 1, 1]);
  });
});
