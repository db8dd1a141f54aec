import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { engineAtomicity, runAtomicity } from './atomicity.js';

describe('rate-limit: atomicity across OS processes (single Redis)', function () {
  this.timeout(60_000);
  it('4 processes × 200 concurrent checks on one key with limit 100 → exactly 100 allowed, for every algorithm', async () => {
    const totals = await runAtomicity(process.env.TEST_REDIS_URL as string);
    assert.deepEqual(totals, { 'sliding-log': 100, 'sliding-window': 100, 'token-bucket': 100 });
  });

  let client: Redis;
  before(() => {
    client = new Redis(process.env.TEST_REDIS_URL as string, { enableAutoPipelining: true });
  });
  after(() => client.quit());
  engineAtomicity(() => process.env.TEST_REDIS_URL as string, () => client, true);
});
