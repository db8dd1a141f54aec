import assert from 'node:assert/strict';
import { Cluster } from 'ioredis';
import { RATE_LIMIT_ALGORITHMS, createRateLimiter, rateLimitStorageKey } from '../../lib/rate-limit/index.js';
import { startCluster, type RedisClusterHandle } from '../support/redis-server.js';
import { engineAtomicity, runAtomicity } from './atomicity.js';
import { commandCalls, uniqueName } from './helpers.js';
import { engineContract } from './engine-suite.js';
import { limiterContract } from './limiter-suite.js';

describe('rate-limit: Redis Cluster (3 masters)', function () {
  this.timeout(60_000);
  let handle: RedisClusterHandle;
  let cluster: Cluster;

  before(async () => {
    handle = await startCluster();
    cluster = new Cluster(handle.nodes, { enableAutoPipelining: true });
    await cluster.ping();
  });
  after(async () => {
    await cluster?.quit();
    await handle?.stop();
  });

  limiterContract('Cluster store', () => ({ redis: cluster }));
  engineContract('Cluster store', () => ({ redis: cluster }));

  it('spreads clients over the cluster while each key stays in one slot', async () => {
    const name = uniqueName('spread');
    const limiter = createRateLimiter({ name, redis: cluster, limit: 5, windowMs: 10_000 });
    const keys = Array.from({ length: 30 }, (_, i) => `user:${i}`);
    await Promise.all(keys.map((key) => limiter.check(key)));
    const nodesWithKeys = await Promise.all(cluster.nodes('master').map(async (node) => (await node.keys(`rl:{${name}:*`)).length));
    assert.equal(nodesWithKeys.reduce((a, b) => a + b, 0), 30);
    assert.ok(nodesWithKeys.filter((n) => n > 0).length >= 2, `keys on ${JSON.stringify(nodesWithKeys)}`);
    assert.equal(await cluster.exists(rateLimitStorageKey(name, 'sliding-log', 'user:1')), 1);
  });

  it('4 processes × 200 concurrent checks on one key with limit 100 → exactly 100 allowed, for every algorithm', async () => {
    const totals = await runAtomicity(JSON.stringify(handle.nodes));
    assert.deepEqual(totals, { 'sliding-log': 100, 'sliding-window': 100, 'token-bucket': 100 });
  });

  describe('engine atomicity across OS processes', () => {
    engineAtomicity(() => JSON.stringify(handle.nodes), () => cluster, false);
  });

  const evalshaOnMasters = async () => (await Promise.all(cluster.nodes('master').map((node) => commandCalls(node, 'evalsha')))).reduce((a, b) => a + b, 0);

  for (const algorithm of RATE_LIMIT_ALGORITHMS) {
    it(`${algorithm}: 200 concurrent checks over 40 keys (5 each, limit 3) → exactly 3 allowed per key, in order, one script call per key's batch`, async () => {
      const limiter = createRateLimiter({ name: uniqueName(), redis: cluster, algorithm, limit: 3, windowMs: 60_000, cacheBlockedKeys: false });
      // cache the script on every master (40 keys spread over 3 masters: all of them, but for ~3e-7)
      await Promise.all(Array.from({ length: 40 }, (_, i) => limiter.check(`warm:${i}`)));
      await Promise.all(cluster.nodes('master').map((node) => node.config('RESETSTAT')));
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => limiter.check(`user:${i % 40}`)));
      const calls = await evalshaOnMasters();
      for (let key = 0; key < 40; key++) {
        const ofKey = results.filter((_, i) => i % 40 === key);
        assert.equal(ofKey.filter((r) => r.allowed).length, 3, `user:${key}`);
        assert.deepEqual(ofKey.map((r) => [r.allowed, r.remaining]), [[true, 2], [true, 1], [true, 0], [false, 0], [false, 0]], `user:${key}`);
      }
      assert.equal(calls, 40, 'batched per hash tag: one EVALSHA per key, not one per check');
    });
  }
});
