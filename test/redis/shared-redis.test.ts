import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { ConfigError } from '../../lib/config/index.js';
import { checkRedisUrl, closeSharedRedis, getSharedRedis, resolveRedis } from '../../lib/redis/index.js';
import { SessionManager } from '../../lib/session/index.js';
import { createKeyedMutex } from '../../lib/sync/index.js';
import { silentServer } from './faults.js';
import { registeredClosers, runClosers } from '../../lib/shutdown/index.js';

describe('shared Redis connection', () => {
  const url = process.env.TEST_REDIS_URL as string;
  afterEach(async () => {
    await closeSharedRedis();
    await runClosers();
  });

  it('gives one client per URL per process, registered for shutdown', async () => {
    const a = getSharedRedis(url);
    const b = resolveRedis(url);
    assert.equal(a, b);
    assert.equal(await a.ping(), 'PONG');
    assert.ok(registeredClosers().some((c) => c.phase === 'connections' && c.name.startsWith('redis ')));
  });

  it('uses a passed client as is, REDIS_URL from env otherwise, and memory (null) without either', () => {
    const own = new Redis(url, { lazyConnect: true });
    assert.equal(resolveRedis(own), own);
    assert.equal(resolveRedis(undefined, {}), null);
    assert.equal(resolveRedis(undefined, { REDIS_URL: url }), getSharedRedis(url));
    own.disconnect();
  });

  it('never prints the password of a URL in its shutdown name', () => {
    getSharedRedis('redis://user:s3cret-pw@127.0.0.1:1/0', { lazyConnect: true });
    const names = registeredClosers().map((c) => c.name).join(' ');
    assert.doesNotMatch(names, /s3cret-pw/);
  });

  it('closeSharedRedis() is bounded: a server that never answers QUIT is disconnected at the deadline', async () => {
    const silent = await silentServer();
    try {
      const client = getSharedRedis(silent.url);
      client.on('error', () => {});
      await once(client, 'connect');
      const startedAt = performance.now();
      await closeSharedRedis(200);
      assert.ok(performance.now() - startedAt < 3000, 'resolved');
      if (client.status !== 'end') await once(client, 'end');
      assert.equal(client.status, 'end');
    } finally {
      silent.close();
    }
  });

  describe('validates every Redis URL at startup', () => {
    const bad = [
      'redis://:SuperSecretPw@127.0.0.1:notaport',
      'redis://:SuperSecretPw@127.0.0.1:99999',
      'localhost:6379',
      'http://:SuperSecretPw@127.0.0.1:6380',
      'redis://:SuperSecretPw@127.0.0.1:6380/not-a-db',
      'redis://',
    ];
    const isConfigErrorNaming = (name: string) => (error: unknown) => {
      assert.ok(error instanceof ConfigError, `a ConfigError, not ${String(error)}`);
      assert.deepEqual(error.issues.map((issue) => issue.variable), [name]);
      assert.doesNotMatch(`${error.message} ${JSON.stringify(error)} ${String(error.cause)}`, /SuperSecretPw|6379|6380/, 'never the value');
      return true;
    };

    for (const url of bad) {
      it(`REDIS_URL=${url.replace('SuperSecretPw', '***')}: a ConfigError naming REDIS_URL`, () => {
        assert.throws(() => resolveRedis(undefined, { REDIS_URL: url }), isConfigErrorNaming('REDIS_URL'));
      });
      it(`redis option ${url.replace('SuperSecretPw', '***')}: a ConfigError naming the option`, () => {
        assert.throws(() => resolveRedis(url, {}), isConfigErrorNaming('redis'));
        assert.throws(() => resolveRedis(url, {}, 'cache.redis'), isConfigErrorNaming('cache.redis'));
      });
    }

    it('every module gets it: SessionManager, createKeyedMutex and getSharedRedis refuse a bad URL the same way', () => {
      const url = 'redis://:SuperSecretPw@127.0.0.1:notaport';
      assert.throws(() => new SessionManager({ redis: url }), isConfigErrorNaming('redis'));
      assert.throws(() => new SessionManager({ env: { REDIS_URL: url } }), isConfigErrorNaming('REDIS_URL'));
      assert.throws(() => createKeyedMutex({ redis: url }), isConfigErrorNaming('redis'));
      assert.throws(() => getSharedRedis(url), isConfigErrorNaming('Redis URL'));
      assert.deepEqual(registeredClosers(), [], 'no client was created');
    });

    it('accepts redis:// and rediss:// URLs with user, password, port and db', () => {
      for (const url of ['redis://127.0.0.1', 'redis://:pw@127.0.0.1:1/0', 'rediss://user:pw@[::1]:1/15', ' redis://127.0.0.1:1/ ']) {
        assert.equal(checkRedisUrl(url, 'REDIS_URL'), url.trim());
      }
    });

    it('a non-client, non-URL option is a ConfigError; false means memory even with REDIS_URL set', () => {
      assert.throws(() => resolveRedis(42 as never, {}), isConfigErrorNaming('redis'));
      assert.equal(resolveRedis(false, { REDIS_URL: url }), null);
      assert.equal(new SessionManager({ redis: false, env: { REDIS_URL: url } }).backend, 'memory');
      assert.equal(createKeyedMutex({ redis: false, env: { REDIS_URL: url } }).constructor.name, 'MemoryKeyedMutex');
    });
  });
});
