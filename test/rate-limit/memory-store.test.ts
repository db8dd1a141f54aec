import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RATE_LIMIT_ALGORITHMS, createMemoryStore, createRateLimiter } from '../../lib/rate-limit/index.js';

describe('rate-limit: memory store lifecycle', function () {
  this.timeout(30_000);
  it('leaves no timer keeping the process alive (a child using it exits by itself)', async () => {
    const script = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'memory-exit.mts');
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const started = Date.now();
    const code = await new Promise<number | null>((resolve) => {
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('exit', (exitCode) => {
        clearTimeout(killer);
        resolve(exitCode);
      });
    });
    assert.equal(code, 0, `the child did not exit on its own (${Date.now() - started} ms)`);
    const { intervals, refTimers } = JSON.parse(out.trim()) as { intervals: number; refTimers: number };
    assert.ok(intervals >= 1, 'the store did start its sweep timer, so the test is meaningful');
    assert.equal(refTimers, 0, 'no referenced timer is left');
  });
});

describe('rate-limit: memory store entries held by a limiter', () => {
  // The limiter's hot path keeps its recent client keys' entries; each case below makes the
  // store drop an entry and checks that the limiter counts into the store's new one (info() and
  // the next rejection see it), never into the dropped object.
  for (const algorithm of RATE_LIMIT_ALGORITHMS) {
    it(`${algorithm}: counts into the live entry after eviction, reset() and clear()`, async () => {
      const store = createMemoryStore({ maxKeys: 2 });
      const limiter = createRateLimiter({ name: `held-${algorithm}`, store, algorithm, limit: 2, windowMs: 60_000 });
      await limiter.check('a');
      await limiter.check('b');
      await limiter.check('c'); // the store is full: 'a' (the oldest) is evicted
      assert.equal(store.size, 2);
      assert.equal((await limiter.info('a')).current, 0, 'the store forgot a');
      assert.equal((await limiter.check('a')).remaining, 1, 'a starts afresh');
      assert.equal((await limiter.info('a')).current, 1, 'and the store sees that check');

      await limiter.check('a');
      assert.equal((await limiter.check('a')).allowed, false);
      await limiter.reset('a');
      assert.equal((await limiter.check('a')).allowed, true, 'allowed after reset()');
      assert.equal((await limiter.info('a')).current, 1, 'the store sees the check after reset()');
      assert.equal((await limiter.check('a')).allowed, true);
      assert.equal((await limiter.check('a')).allowed, false, 'and counts up to the limit again');

      store.clear();
      assert.equal((await limiter.check('a')).allowed, true, 'allowed after clear()');
      assert.equal((await limiter.info('a')).current, 1, 'the store sees the check after clear()');
      store.clear();
    });

    it(`${algorithm}: an expired entry counts as a fresh key, and the store sees the new count`, async () => {
      let now = 1_000_000;
      const store = createMemoryStore({ now: () => now });
      const limiter = createRateLimiter({ name: `exp-${algorithm}`, store, algorithm, limit: 1, windowMs: 1000 });
      assert.equal((await limiter.check('k')).allowed, true);
      assert.equal((await limiter.check('k')).allowed, false);
      now += 10_000;
      assert.equal((await limiter.check('k')).allowed, true, 'a window later the key is fresh');
      assert.equal((await limiter.info('k')).current, 1);
      assert.equal((await limiter.check('k')).allowed, false);
      store.clear();
    });
  }

  it('rejects a non-string key with a TypeError, not a store error', async () => {
    const limiter = createRateLimiter({ name: 'types', store: 'memory', limit: 1, windowMs: 1000 });
    await assert.rejects(limiter.check(42 as unknown as string), TypeError);
  });
});
