import assert from 'node:assert/strict';
import { Cluster } from 'ioredis';
import { createRateLimiter, rateLimitStorageKey } from '../../lib/rate-limit/index.js';
import { startCluster, type RedisClusterHandle } from '../support/redis-server.js';
import { runAtomicity } from './atomicity.js';
import { uniqueName } from './helpers.js';
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
});
