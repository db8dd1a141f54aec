/**
 * The batched Redis store: the checks of one event-loop turn share ONE `EVALSHA` (per policy,
 * per hash tag on a cluster), split at `maxBatchSize`, checked in order, each key isolated
 * under `pcall`; and the sliding log as a list (expired head trimmed exactly, live entries
 * counted by a read-only look, a lowered limit waiting for the right entry).
 * Call counts come from the server's own `INFO commandstats` on private servers, so no other
 * test's traffic is counted. The cluster case is in cluster.test.ts (one cluster per run).
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { ConfigError } from '../../lib/config/index.js';
import { isKitError } from '../../lib/errors/index.js';
import {
  RATE_LIMIT_ALGORITHMS, createRateLimiter, createRedisStore, rateLimitStorageKey,
  type RateLimitAlgorithm, type RateLimitResult, type RateLimiter,
} from '../../lib/rate-limit/index.js';
import { startRedis, type RedisServerHandle } from '../support/redis-server.js';
import { commandCalls, privateRedis, uniqueName } from './helpers.js';

const isStoreUnavailable = (error: unknown): boolean => isKitError(error) && error.code === 'ERR_STORE_UNAVAILABLE';

/** One check of `limiter` so its batch script is cached on the server (no NOSCRIPT → EVAL later). */
async function warmUp(limiter: RateLimiter): Promise<void> {
  await limiter.check(`warm-up-${Math.random()}`);
}

const summary = (results: RateLimitResult[]) => results.map((r) => [r.allowed, r.remaining]);

describe('rate-limit: batched Redis store (private server)', function () {
  this.timeout(30_000);
  const redis = privateRedis();

  /** Runs `issue` (which must start its checks synchronously) and counts the EVALSHA calls it cost. */
  async function countEvalsha<T>(issue: () => Promise<T>): Promise<{ calls: number; result: T }> {
    await redis.admin.config('RESETSTAT');
    const result = await issue();
    const calls = await commandCalls(redis.admin, 'evalsha');
    assert.equal(await commandCalls(redis.admin, 'eval'), 0, 'no NOSCRIPT fallback happened (the count is of EVALSHA alone)');
    return { calls, result };
  }

  describe('batching', () => {
    it('30 concurrent checks on distinct keys of one limiter cost exactly one EVALSHA (default batch of 32)', async () => {
      const limiter = createRateLimiter({ name: uniqueName(), store: createRedisStore(redis.client), limit: 5, windowMs: 60_000 });
      await warmUp(limiter);
      const { calls, result } = await countEvalsha(() => Promise.all(Array.from({ length: 30 }, (_, i) => limiter.check(`user:${i}`))));
      assert.equal(calls, 1);
      assert.deepEqual(summary(result), Array.from({ length: 30 }, () => [true, 4]));
      const { calls: split } = await countEvalsha(() => Promise.all(Array.from({ length: 100 }, (_, i) => limiter.check(`other:${i}`))));
      assert.equal(split, 4, '100 checks in one turn: ceil(100/32) script calls');
    });

    for (const algorithm of RATE_LIMIT_ALGORITHMS) {
      it(`${algorithm}: with maxBatchSize 16, 50 concurrent checks cost ceil(50/16) = 4 EVALSHA and every answer is right, across batch boundaries`, async () => {
        const limiter = createRateLimiter({
          name: uniqueName(), store: createRedisStore(redis.client, { maxBatchSize: 16 }), algorithm, limit: 2, windowMs: 60_000, cacheBlockedKeys: false,
        });
        await warmUp(limiter);
        // check i is on key i % 25: the second check of key k (i = k + 25) often sits in a later
        // batch than the first, so it must see the first's count
        const { calls, result } = await countEvalsha(() => Promise.all(Array.from({ length: 50 }, (_, i) => limiter.check(`user:${i % 25}`))));
        assert.equal(calls, 4);
        assert.deepEqual(summary(result), Array.from({ length: 50 }, (_, i) => [true, i < 25 ? 1 : 0]));
        assert.deepEqual(summary([await limiter.check('user:0')]), [[false, 0]], 'both checks were counted');
      });
    }
  });

  describe('one key several times in one batch', () => {
    for (const algorithm of RATE_LIMIT_ALGORITHMS) {
      it(`${algorithm}: limit 3, five checks of one key in one tick → checked in order: 2, 1, 0 remaining, then two rejections`, async () => {
        const limiter = createRateLimiter({ name: uniqueName(), store: createRedisStore(redis.client), algorithm, limit: 3, windowMs: 60_000, cacheBlockedKeys: false });
        await warmUp(limiter);
        const { calls, result } = await countEvalsha(() => Promise.all(Array.from({ length: 5 }, () => limiter.check('same'))));
        assert.equal(calls, 1, 'the five checks shared one batch');
        assert.equal(result.filter((r) => r.allowed).length, 3);
        assert.deepEqual(summary(result), [[true, 2], [true, 1], [true, 0], [false, 0], [false, 0]]);
        // the sliding window may need part of the next window too (the full one is weighted in)
        const maxWaitMs = algorithm === 'sliding-window' ? 2 * 60_000 : 60_000;
        for (const rejected of result.slice(3)) assert.ok(rejected.retryAfterMs > 0 && rejected.retryAfterMs <= maxWaitMs, `retryAfterMs ${rejected.retryAfterMs}`);
      });
    }
  });

  describe('costs in one batch', () => {
    for (const algorithm of RATE_LIMIT_ALGORITHMS) {
      it(`${algorithm}: limit 5, four checks of cost 2 on one key in one tick (one cost for the batch) → 3, 1 remaining, then two denials`, async () => {
        const limiter = createRateLimiter({ name: uniqueName(), store: createRedisStore(redis.client), algorithm, limit: 5, windowMs: 60_000, cacheBlockedKeys: false });
        await warmUp(limiter);
        const { calls, result } = await countEvalsha(() => Promise.all(Array.from({ length: 4 }, () => limiter.check('same', { cost: 2 }))));
        assert.equal(calls, 1, 'the four checks shared one batch');
        assert.deepEqual(summary(result), [[true, 3], [true, 1], [false, 1], [false, 1]]);
        assert.equal((await limiter.info('same')).remaining, 1, 'the denied checks charged nothing');
      });

      it(`${algorithm}: limit 6, costs 1, 3, 1, 3, 2 on one key in one tick (one cost per check) → charged in order, all or nothing`, async () => {
        const limiter = createRateLimiter({ name: uniqueName(), store: createRedisStore(redis.client), algorithm, limit: 6, windowMs: 60_000, cacheBlockedKeys: false });
        await warmUp(limiter);
        const costs = [1, 3, 1, 3, 2];
        const { calls, result } = await countEvalsha(() => Promise.all(costs.map((cost) => limiter.check('same', { cost }))));
        assert.equal(calls, 1);
        assert.deepEqual(summary(result), [[true, 5], [true, 2], [true, 1], [false, 1], [false, 1]]);
        // a plain check after them, in the next turn: the one unit left
        assert.deepEqual(summary([await limiter.check('same'), await limiter.check('same')]), [[true, 0], [false, 0]]);
      });
    }

    it('sliding-log: a cost that does not fit leaves the log as it was (its entries are taken back)', async () => {
      const name = uniqueName();
      const limiter = createRateLimiter({ name, store: createRedisStore(redis.client), algorithm: 'sliding-log', limit: 4, windowMs: 60_000, cacheBlockedKeys: false });
      const key = rateLimitStorageKey(name, 'sliding-log', 'k');
      assert.equal((await limiter.check('k', { cost: 3 })).allowed, true);
      assert.equal(await redis.admin.llen(key), 3);
      const denied = await limiter.check('k', { cost: 2 });
      assert.equal(denied.allowed, false);
      assert.equal(await redis.admin.llen(key), 3, 'no entry of the denied cost stays');
      assert.equal((await limiter.check('k', { cost: 1 })).allowed, true);
      assert.equal(await redis.admin.llen(key), 4);
    });
  });

  describe('failure isolation', () => {
    for (const algorithm of RATE_LIMIT_ALGORITHMS) {
      it(`${algorithm}: a key of the wrong type rejects its own check (ERR_STORE_UNAVAILABLE); the 5 other checks of the batch are answered and counted`, async () => {
        const name = uniqueName();
        const limiter = createRateLimiter({ name, store: createRedisStore(redis.client), algorithm, limit: 4, windowMs: 60_000 });
        await warmUp(limiter);
        const badKey = rateLimitStorageKey(name, algorithm, 'bad');
        await redis.admin.set(badKey, 'not-a-rate-limit-value');
        const healthy = ['h1', 'h2', 'h3', 'h4', 'h5'];
        const { calls, result } = await countEvalsha(() => Promise.allSettled([limiter.check('h1'), limiter.check('h2'), limiter.check('bad'), ...healthy.slice(2).map((k) => limiter.check(k))]));
        assert.equal(calls, 1, 'the bad key and the healthy ones shared one batch');
        const [bad] = result.splice(2, 1);
        assert.equal(bad!.status, 'rejected');
        const reason = (bad as PromiseRejectedResult).reason as Error;
        assert.ok(isStoreUnavailable(reason), `rejected with ${String(reason)}`);
        assert.match(String((reason.cause as Error | undefined)?.message), /WRONGTYPE/);
        assert.deepEqual(result.map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
        assert.deepEqual(result.map((r) => summary([(r as PromiseFulfilledResult<RateLimitResult>).value])[0]), healthy.map(() => [true, 3]));
        assert.equal(await redis.admin.get(badKey), 'not-a-rate-limit-value', 'the bad key is left as it was');
        const again = await Promise.all(healthy.map((k) => limiter.check(k)));
        assert.deepEqual(summary(again), healthy.map(() => [true, 2]), 'the healthy checks of the failing batch were counted');
      });
    }
  });

  describe('sliding log as a list', () => {
    it('trims a long expired run exactly (any length, chunk boundaries included), and info() counts only live entries without trimming', async () => {
      const name = uniqueName();
      const windowMs = 1500;
      const limiter = createRateLimiter({ name, store: createRedisStore(redis.client), limit: 100, windowMs, cacheBlockedKeys: false });
      // 60 is the case of the brief; 4, 20 and 84 end exactly at a chunk boundary of the head scan (4, then 16, then 64)
      const runs = [60, 4, 20, 84, 5];
      const storageKey = (run: number) => rateLimitStorageKey(name, 'sliding-log', `run-${run}`);
      const burst = await Promise.all(runs.flatMap((run) => Array.from({ length: run }, () => limiter.check(`run-${run}`))));
      const burstDone = Date.now(); // every burst entry is at most this old
      assert.ok(burst.every((r) => r.allowed));

      await sleep(Math.max(0, burstDone + windowMs / 2 - Date.now()));
      const single = await Promise.all(runs.map((run) => limiter.check(`run-${run}`))); // live until ≥ burstDone + 2250
      assert.deepEqual(single.map((r) => r.remaining), runs.map((run) => 100 - run - 1));

      await sleep(Math.max(0, burstDone + windowMs + 150 - Date.now())); // the burst has expired, the single check has not
      for (const run of runs) {
        const info = await limiter.info(`run-${run}`);
        assert.deepEqual([info.current, info.remaining], [1, 99], `info after a run of ${run} expired`);
        assert.equal(await redis.admin.llen(storageKey(run)), run + 1, `info does not trim (run ${run})`);
      }
      const after = await Promise.all(runs.map((run) => limiter.check(`run-${run}`)));
      assert.ok(Date.now() < burstDone + windowMs * 1.5, 'the single checks were still live (test timing)');
      assert.deepEqual(after.map((r) => [r.allowed, r.remaining]), runs.map(() => [true, 98]));
      for (const run of runs) assert.equal(await redis.admin.llen(storageKey(run)), 2, `the expired run of ${run} was trimmed`);
      const ttl = await redis.admin.pttl(storageKey(60));
      assert.ok(ttl > windowMs - 500 && ttl <= windowMs, `the key lives one window after its newest entry (pttl ${ttl})`);
    });

    it('a lowered limit on the same name: rejected at once, and retryAfterMs is the wait until enough entries left (limit 10 → 5: the 6th-oldest)', async () => {
      const name = uniqueName();
      const windowMs = 2500;
      const spacingMs = 200;
      const store = createRedisStore(redis.client);
      const original = createRateLimiter({ name, store, limit: 10, windowMs });
      for (let i = 0; i < 10; i++) {
        assert.equal((await original.check('k')).allowed, true);
        if (i < 9) await sleep(spacingMs); // distinct, well-separated times, so the right entry can be told apart
      }
      const key = rateLimitStorageKey(name, 'sliding-log', 'k');
      const stampsMs = (await redis.admin.lrange(key, 0, -1)).map((s) => Number(s) / 1000);
      assert.equal(stampsMs.length, 10);

      const lowered = createRateLimiter({ name, store, limit: 5, windowMs, cacheBlockedKeys: false });
      const sent = Date.now();
      const rejected = await lowered.check('k');
      const received = Date.now();
      assert.equal(rejected.allowed, false);
      assert.equal(rejected.remaining, 0);
      assert.equal(rejected.limit, 5);
      assert.ok(rejected.retryAfterMs > 0 && rejected.retryAfterMs <= windowMs, `retryAfterMs ${rejected.retryAfterMs}`);
      // 10 live entries, limit 5: the next check passes when only 4 are left, i.e. once the
      // entries 0..5 (oldest first) have left; entry 5 is the last of them to leave
      const leaves = stampsMs[5]! + windowMs;
      assert.ok(rejected.retryAfterMs >= leaves - received - 2 && rejected.retryAfterMs <= leaves - sent + 2,
        `retryAfterMs ${rejected.retryAfterMs}, expected ${Math.round(leaves - received)}..${Math.round(leaves - sent)} (entry 4 would give ~${Math.round(stampsMs[4]! + windowMs - sent)})`);
      assert.equal(await redis.admin.llen(key), 10, 'a rejected check adds no entry');

      await sleep(Math.max(0, sent + rejected.retryAfterMs - spacingMs / 2 - Date.now()));
      assert.equal((await lowered.check('k')).allowed, false, 'still rejected just before the wait ends (5 entries live)');
      await sleep(Math.max(0, received + rejected.retryAfterMs + 30 - Date.now()));
      const allowed = await lowered.check('k');
      assert.deepEqual([allowed.allowed, allowed.remaining], [true, 0], 'allowed once the wait is over, as the 5th of 5');
    });
  });

  describe('maxBatchSize option', () => {
    it('rejects 0, 1001, 1.5 (and other non-integers or out-of-range values) with a ConfigError', () => {
      for (const bad of [0, 1001, 1.5, -1, Number.NaN, Number.POSITIVE_INFINITY, '8' as unknown as number]) {
        assert.throws(() => createRedisStore(redis.client, { maxBatchSize: bad }), ConfigError, String(bad));
      }
      for (const good of [1, 1000, undefined]) assert.equal(createRedisStore(redis.client, { maxBatchSize: good }).kind, 'redis');
    });

    it('maxBatchSize 1: every check is its own script call (5 concurrent checks → 5 EVALSHA), still in order', async () => {
      const limiter = createRateLimiter({ name: uniqueName(), store: createRedisStore(redis.client, { maxBatchSize: 1 }), limit: 3, windowMs: 60_000, cacheBlockedKeys: false });
      await warmUp(limiter);
      const { calls, result } = await countEvalsha(() => Promise.all(Array.from({ length: 5 }, () => limiter.check('one'))));
      assert.equal(calls, 5);
      assert.deepEqual(summary(result), [[true, 2], [true, 1], [true, 0], [false, 0], [false, 0]]);
    });
  });
});

describe('rate-limit: batched Redis store loses its connection mid-batch', function () {
  this.timeout(30_000);
  let server: RedisServerHandle;
  let client: Redis;
  let admin: Redis;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    server = await startRedis();
    client = new Redis(server.url, { maxRetriesPerRequest: 0, retryStrategy: () => 200 });
    client.on('error', () => {});
    admin = new Redis(server.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    admin.on('error', () => {});
  });
  after(async () => {
    process.off('unhandledRejection', onUnhandled);
    client?.disconnect();
    admin?.disconnect();
    await server?.stop();
  });

  it('checks in flight when the server stops reject with ERR_STORE_UNAVAILABLE (no rejection result, no unhandled rejection)', async () => {
    const algorithm: RateLimitAlgorithm = 'sliding-log';
    const limiter = createRateLimiter({ name: uniqueName(), store: createRedisStore(client), algorithm, limit: 5, windowMs: 60_000 });
    await warmUp(limiter);
    // Hold writes (EVALSHA may write) so the batch is surely on the server, unanswered, when it stops.
    await admin.call('CLIENT', 'PAUSE', '20000', 'WRITE');
    const inFlight = Promise.allSettled(Array.from({ length: 12 }, (_, i) => limiter.check(`user:${i % 4}`)));
    const deadline = Date.now() + 5000;
    while (!/cmd=evalsha\b/.test((String(await admin.call('CLIENT', 'LIST'))).split('\n').filter((line) => /flags=\S*b/.test(line)).join('\n'))) {
      if (Date.now() > deadline) throw new Error('the batch never reached the server');
      await sleep(10);
    }
    await server.stop();
    const settled = await inFlight;
    assert.deepEqual(settled.map((s) => s.status), Array.from({ length: 12 }, () => 'rejected'), 'no check resolved');
    for (const s of settled) assert.ok(isStoreUnavailable((s as PromiseRejectedResult).reason), `rejected with ${String((s as PromiseRejectedResult).reason)}`);

    // and while the client reconnects, new checks fail fast the same way
    await assert.rejects(limiter.check('user:0'), isStoreUnavailable);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(unhandled, []);
  });
});
