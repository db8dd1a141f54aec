import assert from 'node:assert/strict';
import { RedisKeyedMutex } from '../../lib/sync/index.js';
import { faultDrill, rejectionCode, timed } from '../redis/faults.js';

const STORE_TIMEOUT_MS = 200;
const BOUND_MS = 3000;

describe('RedisKeyedMutex on a Redis that does not answer', function () {
  this.timeout(20_000);
  const mutex = (prefix = `faults:${Math.random().toString(36).slice(2)}:`) => new RedisKeyedMutex(drill.client, { storeTimeoutMs: STORE_TIMEOUT_MS, timeoutMs: 10_000, waitMs: 5000, prefix });

  const drill = faultDrill();

  for (const fault of ['CLIENT PAUSE', 'SIGSTOP'] as const) {
    it(`acquire, extend and release each reject with ERR_STORE_UNAVAILABLE within the deadline under ${fault} (not after waitMs or the pause)`, async () => {
      const locks = mutex();
      const held = await locks.acquire('held');
      await drill.inject(fault);
      const calls: [string, () => Promise<unknown>][] = [
        ['acquire', () => locks.acquire('other')],
        ['extend', () => held.extend()],
        ['release', () => held.release()],
      ];
      for (const [name, call] of calls) {
        const { result, ms } = await timed(call);
        assert.equal(rejectionCode(result), 'ERR_STORE_UNAVAILABLE', `${name}: ${result.status}`);
        assert.ok(ms >= STORE_TIMEOUT_MS - 20 && ms < BOUND_MS, `${name} answered after the deadline (${Math.round(ms)} ms)`);
      }
      assert.equal(held.held, false, 'a release that timed out still frees the key locally');
      await drill.lift();
    });
  }

  it('gives back a lock whose SET ran only after its deadline, so the key is not blocked for timeoutMs', async () => {
    const prefix = 'faults:late:';
    const locks = mutex(prefix);
    await drill.inject('CLIENT PAUSE');
    await assert.rejects(locks.acquire('late'), { code: 'ERR_STORE_UNAVAILABLE' });
    await drill.lift();
    // The queued SET NX runs now and takes the key; the mutex deletes it again (bounded poll).
    const other = mutex(prefix);
    const handle = await other.acquire('late', { waitMs: 3000 });
    assert.ok(handle.held, 'another caller gets the key long before the 10 s lock timeout');
    await handle.release();
  });

  it('withLock rejects with ERR_STORE_UNAVAILABLE instead of hanging when Redis is stopped', async () => {
    const locks = mutex();
    drill.freeze();
    let ran = false;
    const { result, ms } = await timed(() => locks.withLock('job', () => {
      ran = true;
    }));
    assert.equal(rejectionCode(result), 'ERR_STORE_UNAVAILABLE');
    assert.equal(ran, false);
    assert.ok(ms < BOUND_MS, `${Math.round(ms)} ms`);
  });
});
