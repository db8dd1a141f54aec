import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { closeSharedRedis, getSharedRedis, resolveRedis } from '../../lib/redis/index.js';
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
});
