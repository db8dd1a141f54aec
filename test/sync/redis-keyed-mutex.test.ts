import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Cluster, Redis } from 'ioredis';
import { ConfigError } from '../../lib/config/index.js';
import { closeSharedRedis } from '../../lib/redis/index.js';
import { runClosers } from '../../lib/shutdown/index.js';
import { createKeyedMutex, RedisKeyedMutex, type KeyedMutexOptions } from '../../lib/sync/index.js';
import { startCluster, startRedis, type RedisClusterHandle } from '../support/redis-server.js';
import { keyedMutexContract } from './fixtures/mutex-contract.js';
import { runIncrementWorkers } from './fixtures/spawn-workers.js';

const url = process.env.TEST_REDIS_URL as string;
const clients: (Redis | Cluster)[] = [];
function client(): Redis {
  const redis = new Redis(url);
  clients.push(redis);
  return redis;
}
after(async () => {
  await Promise.all(clients.splice(0).map((c) => c.quit().catch(() => c.disconnect())));
  await closeSharedRedis();
});

keyedMutexContract(
  'RedisKeyedMutex',
  (options?: KeyedMutexOptions) => new RedisKeyedMutex(client(), options),
  (_mutex, options) => new RedisKeyedMutex(client(), options),
  'redis keyed mutex',
);

describe('RedisKeyedMutex on one Redis', () => {
  it('8 processes × 50 read-modify-write increments under the lock give exactly 400', async function () {
    this.timeout(90_000);
    const redis = client();
    const tag = `${process.pid}:${Date.now()}`;
    const env = { MUTEX_REDIS_URL: url, MUTEX_KEY: `counter-lock:${tag}`, COUNTER_KEY: `counter:${tag}`, READY_KEY: `ready:${tag}`, INCREMENTS: '50', CONCURRENCY: '5' };
    await runIncrementWorkers(env, 8);
    assert.equal(await redis.get(env.COUNTER_KEY), '400');
    await redis.del(env.COUNTER_KEY, env.READY_KEY);
  });

  it('stores the lock under prefix + {key} with the owner token and the timeout as PTTL', async () => {
    const redis = client();
    const mutex = new RedisKeyedMutex(redis, { timeoutMs: 5000, prefix: 'app:lock:' });
    const handle = await mutex.acquire('user:7');
    assert.equal(mutex.redisKey('user:7'), 'app:lock:{user:7}');
    const ttl = await redis.pttl('app:lock:{user:7}');
    assert.ok(ttl > 4000 && ttl <= 5000, String(ttl));
    assert.match((await redis.get('app:lock:{user:7}')) ?? '', /^[\w-]{22}\.[0-9a-z]+$/); // random per process + counter
    await handle.release();
    assert.equal(await redis.exists('app:lock:{user:7}'), 0);
  });

  it('withLock’s signal fires with ERR_LOCK_LOST when the key is stolen, and withLock rejects; the thief keeps its key', async () => {
    const redis = client();
    const mutex = new RedisKeyedMutex(redis, { timeoutMs: 300 });
    const key = `stolen:${Date.now()}`;
    await assert.rejects(
      mutex.withLock(key, async (signal) => {
        await redis.set(mutex.redisKey(key), 'thief', 'PX', 10_000);
        await once(signal, 'abort');
        assert.equal((signal.reason as { code: string }).code, 'ERR_LOCK_LOST');
        return 'finished anyway';
      }),
      { code: 'ERR_LOCK_LOST' },
    );
    assert.equal(await redis.get(mutex.redisKey(key)), 'thief');
    await redis.del(mutex.redisKey(key));
  });

  it('withLock’s signal fires when the key is deleted underneath', async () => {
    const redis = client();
    const mutex = new RedisKeyedMutex(redis, { timeoutMs: 300 });
    const key = `deleted:${Date.now()}`;
    let reason: unknown;
    await mutex
      .withLock(key, async (signal) => {
        await redis.del(mutex.redisKey(key));
        await once(signal, 'abort');
        reason = signal.reason;
      })
      .catch(() => {});
    assert.equal((reason as { code: string }).code, 'ERR_LOCK_LOST');
  });

  it('is released by the shutdown closers (phase locks) before connections close', async () => {
    const redis = client();
    const mutex = new RedisKeyedMutex(redis);
    const key = `shutdown:${Date.now()}`;
    const handle = await mutex.acquire(key);
    const failures = await runClosers();
    assert.deepEqual(failures, []);
    assert.equal(handle.held, false);
    assert.equal(await redis.exists(mutex.redisKey(key)), 0);
  });

  it('turns an unreachable Redis into ERR_STORE_UNAVAILABLE, not a hang', async () => {
    const server = await startRedis();
    const redis = new Redis(server.url, { maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    redis.on('error', () => {});
    await once(redis, 'ready');
    const mutex = new RedisKeyedMutex(redis);
    await server.stop();
    await assert.rejects(mutex.acquire('down'), { code: 'ERR_STORE_UNAVAILABLE' });
    redis.disconnect();
  });

  it('aborts withLock’s signal when Redis stays unreachable past the lock timeout', async () => {
    const server = await startRedis();
    const redis = new Redis(server.url, { maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    redis.on('error', () => {});
    await once(redis, 'ready');
    const mutex = new RedisKeyedMutex(redis, { timeoutMs: 300 });
    const started = Date.now();
    await assert.rejects(
      mutex.withLock('outage', async (signal) => {
        await server.stop();
        await once(signal, 'abort');
      }),
      { code: 'ERR_LOCK_LOST' },
    );
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 250 && elapsed < 3000, `lost after ${elapsed} ms`);
    redis.disconnect();
  });

  it('needs a client or URL: ConfigError otherwise; a URL gives the shared client; createKeyedMutex picks Redis', async () => {
    assert.throws(() => new RedisKeyedMutex(undefined as unknown as string), ConfigError);
    assert.throws(() => new RedisKeyedMutex('', {}), ConfigError);
    const byUrl = new RedisKeyedMutex(url);
    await (await byUrl.acquire(`url:${Date.now()}`)).release();
    assert.ok(createKeyedMutex({ env: { REDIS_URL: url } }) instanceof RedisKeyedMutex);
    assert.ok(createKeyedMutex({ redis: client() }) instanceof RedisKeyedMutex);
  });
});

describe('RedisKeyedMutex on a 3-node Redis Cluster', () => {
  let cluster: RedisClusterHandle;
  before(async function () {
    this.timeout(60_000);
    cluster = await startCluster();
  });
  after(async () => {
    await Promise.all(clients.splice(0).map((c) => c.quit().catch(() => c.disconnect())));
    await cluster?.stop();
  });
  const clusterClient = (): Cluster => {
    const c = new Cluster(cluster.nodes);
    clients.push(c);
    return c;
  };

  it('8 processes × 50 increments under the lock give exactly 400', async function () {
    this.timeout(90_000);
    const redis = clusterClient();
    const tag = `${process.pid}:${Date.now()}`;
    const env = {
      MUTEX_CLUSTER_NODES: JSON.stringify(cluster.nodes), MUTEX_KEY: `counter-lock:${tag}`,
      COUNTER_KEY: `counter:${tag}`, READY_KEY: `ready:${tag}`, INCREMENTS: '50', CONCURRENCY: '5',
    };
    await runIncrementWorkers(env, 8);
    assert.equal(await redis.get(env.COUNTER_KEY), '400');
  });

  it('locks many keys (spread over the slots) and never deletes the next owner’s lock', async () => {
    const a = new RedisKeyedMutex(clusterClient(), { timeoutMs: 200 });
    const b = new RedisKeyedMutex(clusterClient(), { timeoutMs: 5000 });
    const keys = Array.from({ length: 20 }, (_, i) => `user:${i}:${Date.now()}`);
    const stale = await Promise.all(keys.map((key) => a.acquire(key)));
    await Promise.all(stale.map((handle) => once(handle.signal, 'abort')));
    const fresh = await Promise.all(keys.map((key) => b.acquire(key, { waitMs: 2000 })));
    for (const handle of stale) assert.equal(await handle.release(), false);
    for (const handle of fresh) assert.equal(await handle.extend(), true);
    assert.equal(await b.releaseAll(), keys.length);
  });
});
