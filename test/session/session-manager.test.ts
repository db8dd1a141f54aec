import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { SessionManager } from '../../lib/session/index.js';
import { startCluster, startRedis, type RedisClusterHandle } from '../support/redis-server.js';
import { sessionManagerSuite } from './manager-suite.js';

const prefix = () => `test:session:${process.pid}:${Math.random().toString(36).slice(2)}:`;

describe('SessionManager (memory)', () => {
  sessionManagerSuite('memory', () => ({ redis: false }));

  it('stays within maxSessions, evicting the least recently used', async () => {
    const sessions = new SessionManager({ redis: false, maxSessions: 3 });
    const [a, b, c] = [await sessions.create('u1'), await sessions.create('u2'), await sessions.create('u3')];
    assert.equal((await sessions.validate(a)).valid, true); // a is now the most recently used
    const d = await sessions.create('u4');
    assert.equal((await sessions.validate(b)).valid, false, 'b was the least recently used');
    for (const id of [a, c, d]) assert.equal((await sessions.validate(id)).valid, true);
  });

  it('uses the memory backend when no Redis is configured', () => {
    assert.equal(new SessionManager({ env: {} }).backend, 'memory');
  });

  it('fails at construction on bad options with one ConfigError', () => {
    assert.throws(() => new SessionManager({ ttlSeconds: 0 }), { code: 'ERR_CONFIG_INVALID', message: /ttlSeconds/ });
    assert.throws(() => new SessionManager({ ttlSeconds: 1.5, keyPrefix: 'a{b}' }), (error: Error) => /ttlSeconds/.test(error.message) && /keyPrefix/.test(error.message));
  });
});

describe('SessionManager (Redis)', () => {
  let client: Redis;
  let keyPrefix = prefix();
  before(() => {
    client = new Redis(process.env.TEST_REDIS_URL!);
  });
  beforeEach(() => {
    keyPrefix = prefix();
  });
  after(async () => {
    await client.quit();
  });

  sessionManagerSuite('redis', () => ({ redis: client, keyPrefix }));

  it('stores only a SHA-256 of the id, under the user hash tag', async () => {
    const sessions = new SessionManager({ redis: client, keyPrefix });
    const id = await sessions.create('user-keys');
    const keys = await client.keys(`${keyPrefix}*`);
    assert.equal(keys.length, 2, keys.join());
    assert.ok(keys.every((key) => !key.includes(id)), 'the raw id is in no key');
    const digest = createHash('sha256').update(id).digest('base64url');
    const sessionKey = keys.find((key) => key.endsWith(digest));
    assert.ok(sessionKey, 'the session key holds the hash');
    const values = await client.hgetall(sessionKey);
    assert.ok(!JSON.stringify(values).includes(id), 'the raw id is in no value');
    const tags = keys.map((key) => /\{(\d+)\}/.exec(key)?.[1]);
    assert.equal(tags[0], tags[1], 'session and index share one hash tag');
  });

  it('works with a client that has its own ioredis keyPrefix', async () => {
    const prefixed = new Redis(process.env.TEST_REDIS_URL!, { keyPrefix: `${keyPrefix}app:` });
    try {
      const sessions = new SessionManager({ redis: prefixed, keyPrefix: 'sess:' });
      const ids = [await sessions.create('prefixed-user'), await sessions.create('prefixed-user')];
      assert.equal((await sessions.validate(ids[0])).valid, true);
      assert.equal((await client.keys(`${keyPrefix}app:sess:*`)).length, 3, 'two sessions and one index, under the client prefix');
      assert.equal(await sessions.destroyAllForUser('prefixed-user'), 2);
      assert.equal((await client.keys(`${keyPrefix}app:sess:*`)).length, 0);
    } finally {
      await prefixed.quit();
    }
  });

  it('uses REDIS_URL from the environment', async () => {
    const sessions = new SessionManager({ env: { REDIS_URL: process.env.TEST_REDIS_URL }, keyPrefix });
    assert.equal(sessions.backend, 'redis');
    const id = await sessions.create('env-user');
    assert.equal((await sessions.validate(id)).valid, true);
  });

  it('keeps the per-user index consistent with expiry', async function () {
    this.timeout(10_000);
    const sessions = new SessionManager({ redis: client, keyPrefix, ttlSeconds: 1 });
    await sessions.create('user-idx');
    await sessions.create('user-idx');
    const indexKey = (await client.keys(`${keyPrefix}*:u:*`))[0]!;
    assert.equal(await client.zcard(indexKey), 2);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await sessions.create('user-idx');
    assert.equal(await client.zcard(indexKey), 1, 'expired members pruned');
    const ttl = await client.pttl(indexKey);
    assert.ok(ttl > 0 && ttl <= 2000, `index expires with its sessions (${ttl})`);
  });

  it('answers ERR_STORE_UNAVAILABLE when Redis is down, never a false "not found"', async function () {
    this.timeout(15_000);
    const server = await startRedis();
    const down = new Redis(server.url, { maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false, lazyConnect: true });
    down.on('error', () => {});
    await down.connect();
    try {
      const sessions = new SessionManager({ redis: down, keyPrefix });
      const id = await sessions.create('user-down');
      await server.stop();
      await assert.rejects(sessions.validate(id), { code: 'ERR_STORE_UNAVAILABLE' });
      await assert.rejects(sessions.create('user-down'), { code: 'ERR_STORE_UNAVAILABLE' });
      assert.deepEqual(await sessions.validate('garbage'), { valid: false, reason: 'validation_error' }, 'malformed ids never reach Redis');
    } finally {
      down.disconnect();
      await server.stop();
    }
  });
});

describe('SessionManager (Redis Cluster)', function () {
  this.timeout(60_000);
  let cluster: RedisClusterHandle;
  let client: Cluster;
  const keyPrefix = prefix();
  before(async () => {
    cluster = await startCluster();
    client = new Cluster(cluster.nodes, { redisOptions: { maxRetriesPerRequest: 2 } });
  });
  after(async () => {
    await client?.quit();
    await cluster?.stop();
  });

  sessionManagerSuite('redis', () => ({ redis: client, keyPrefix }));

  it('spreads users over the cluster nodes while each user stays on one slot', async () => {
    const sessions = new SessionManager({ redis: client, keyPrefix });
    const users = Array.from({ length: 30 }, (_, i) => `spread-${i}`);
    await Promise.all(users.map((user) => sessions.create(user)));
    const counts = await Promise.all(client.nodes('master').map(async (node) => (await node.keys(`${keyPrefix}*`)).length));
    assert.ok(counts.filter((n) => n > 0).length >= 2, `keys on several nodes: ${counts.join(',')}`);
    assert.equal(await sessions.destroyAllForUser('spread-3'), 1);
  });
});
