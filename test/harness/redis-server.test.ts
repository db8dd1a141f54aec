import assert from 'node:assert/strict';
import { Cluster, Redis } from 'ioredis';
import { assertRedisInstalled, startCluster, startRedis } from '../support/redis-server.js';

describe('test harness: real redis-server processes', () => {
  it('the global fixture exposes a running server as TEST_REDIS_URL', async () => {
    const url = process.env.TEST_REDIS_URL;
    assert.ok(url, 'TEST_REDIS_URL is set');
    assert.match(url, /^redis:\/\/127\.0\.0\.1:\d+$/);
    const client = new Redis(url);
    try {
      assert.equal(await client.ping(), 'PONG');
    } finally {
      client.disconnect();
    }
  });

  it('says clearly what to install when redis-server is missing', () => {
    assert.throws(() => assertRedisInstalled('redis-server-that-does-not-exist'), {
      message: /redis-server was not found on PATH\. Install it \(Debian: apt-get install -y redis-server\) or set REDIS_URL/,
    });
  });

  it('starts a standalone server on a free loopback port, stops it by pid, restarts it', async () => {
    const server = await startRedis();
    const client = server.client();
    client.on('error', () => {});
    try {
      await client.set('k', 'v');
      assert.equal(await client.get('k'), 'v');
      const pid = server.pid;
      await server.stop();
      assert.throws(() => process.kill(pid, 0), /ESRCH/, 'the process is gone');
      await server.restart();
      assert.notEqual(server.pid, pid);
      const fresh = server.client();
      assert.equal(await fresh.get('k'), null, 'no persistence across restarts');
      fresh.disconnect();
    } finally {
      client.disconnect();
      await server.stop();
    }
  });

  it('starts a 3-master Redis Cluster that ioredis Cluster can use across slots', async function () {
    this.timeout(60_000);
    const cluster = await startCluster();
    const client = new Cluster(cluster.nodes);
    try {
      const keys = Array.from({ length: 30 }, (_, i) => `key-${i}`);
      await Promise.all(keys.map((key) => client.set(key, key)));
      const values = await Promise.all(keys.map((key) => client.get(key)));
      assert.deepEqual(values, keys);
      const masters = await client.nodes('master');
      assert.equal(masters.length, 3);
    } finally {
      await client.quit();
      await cluster.stop();
    }
  });
});
