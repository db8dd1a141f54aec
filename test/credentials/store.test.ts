import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { HttpError, isKitError, statusForCode } from '../../lib/errors/index.js';
import { MemoryKeyedMutex } from '../../lib/sync/index.js';
import { startRedis } from '../support/redis-server.js';
import { IntegrationCredentialsStore, type IntegrationCredentialsStoreOptions } from '../../lib/credentials/index.js';
import { describeRedisStore } from './redis-suite.js';
import { describeStoreBehaviour, newKey, secretValue } from './store-suite.js';

describe('credentials: IntegrationCredentialsStore', () => {
  describeStoreBehaviour('memory backend', () => (options: IntegrationCredentialsStoreOptions = {}) => {
    const store = new IntegrationCredentialsStore({ encryptionKey: newKey(), env: {}, ...options });
    if (store.backend !== 'memory') throw new Error('expected the memory backend without redis');
    return store;
  });

  let client: Redis;
  before(() => {
    client = new Redis(process.env.TEST_REDIS_URL!);
  });
  after(async () => {
    await client.quit();
  });
  describeRedisStore('redis backend', () => client, () => process.env.TEST_REDIS_URL!);
});

describe('credentials: IntegrationCredentialsStore when Redis is down', function () {
  this.timeout(30_000);
  it('answers 503 ERR_STORE_UNAVAILABLE for reads, writes and OAuth states, without leaking secrets', async () => {
    const server = await startRedis();
    const client = new Redis(server.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    client.on('error', () => {});
    await client.connect();
    try {
      const store = new IntegrationCredentialsStore({ redis: client, encryptionKey: newKey() });
      await store.add('u', { id: 'c1', type: 'api_key', provider: 'p', apiKey: 'k' });
      await server.stop();
      const secret = secretValue();
      const calls: Array<() => Promise<unknown>> = [
        () => store.get('u', 'c1'),
        () => store.list('u'),
        () => store.add('u', { type: 'api_key', provider: 'p', apiKey: secret }),
        () => store.delete('u', 'c1'),
        () => store.storeOAuthState('u', 'p', []),
        () => store.verifyOAuthState('u', 'token', 'p'),
      ];
      for (const call of calls) {
        await assert.rejects(call(), (err: unknown) => {
          assert.ok(isKitError(err) && !(err instanceof HttpError), String(err));
          assert.equal(statusForCode(err.code), 503);
          assert.equal(err.code, 'ERR_STORE_UNAVAILABLE');
          assert.ok(!err.message.includes(secret));
          return true;
        });
      }
    } finally {
      client.disconnect();
      await server.stop();
    }
  });
});

describe('credentials: IntegrationCredentialsStore with a busy user lock', () => {
  it('answers 503 ERR_LOCK_TIMEOUT and writes nothing when the user lock stays busy', async () => {
    const mutex = new MemoryKeyedMutex({ timeoutMs: 5_000, waitMs: 50 });
    const store = new IntegrationCredentialsStore({ encryptionKey: newKey(), env: {}, mutex });
    const userHash = createHash('sha256').update('epk-credentials-user\0busy-user').digest('hex').slice(0, 32);
    const held = await mutex.acquire(`credentials:${userHash}`); // the documented lock key of this user
    try {
      await assert.rejects(store.add('busy-user', { type: 'api_key', provider: 'p', apiKey: 'k' }), (err: unknown) => {
        assert.ok(isKitError(err) && !(err instanceof HttpError), String(err));
        assert.equal(statusForCode(err.code), 503);
        assert.equal(err.code, 'ERR_LOCK_TIMEOUT');
        return true;
      });
    } finally {
      await held.release();
    }
    assert.deepEqual(await store.list('busy-user'), []);
    await store.add('busy-user', { type: 'api_key', provider: 'p', apiKey: 'k' });
    assert.equal((await store.list('busy-user')).length, 1);
  });
});
