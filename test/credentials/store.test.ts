import { Redis } from 'ioredis';
import { IntegrationCredentialsStore, type IntegrationCredentialsStoreOptions } from '../../lib/credentials/index.js';
import { describeRedisStore } from './redis-suite.js';
import { describeStoreBehaviour, newKey } from './store-suite.js';

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
