/**
 * lock_acquisitions_total{outcome} and lock_wait_seconds{outcome} for both keyed mutexes,
 * scraped from the kit's /metrics over loopback HTTP (the registry is process-wide: each test
 * compares before and after).
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Redis } from 'ioredis';
import { metricsHandler } from '../../lib/alerting/index.js';
import { type KeyedMutex, MemoryKeyedMutex, RedisKeyedMutex } from '../../lib/sync/index.js';
import { parsePrometheus, total } from '../alerting/helpers.js';
import { silentServer } from '../redis/faults.js';

let server: Server;
let base: string;
const clients: Redis[] = [];

before(async () => {
  const app = express();
  app.get('/metrics', metricsHandler());
  server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.close();
  await Promise.all(clients.splice(0).map((c) => c.quit().catch(() => c.disconnect())));
});

interface LockStats {
  acquired: number;
  timeout: number;
  error: number;
  waitCount: Record<string, number>;
  waitSum: Record<string, number>;
}

async function lockStats(): Promise<LockStats> {
  const samples = parsePrometheus(await (await fetch(`${base}/metrics`)).text());
  const outcomes = ['acquired', 'timeout', 'error'];
  const per = (name: string) => Object.fromEntries(outcomes.map((outcome) => [outcome, total(samples, name, { outcome })]));
  const counts = per('lock_acquisitions_total');
  return { acquired: counts.acquired!, timeout: counts.timeout!, error: counts.error!, waitCount: per('lock_wait_seconds_count'), waitSum: per('lock_wait_seconds_sum') };
}

const backends: [string, () => KeyedMutex][] = [
  ['MemoryKeyedMutex', () => new MemoryKeyedMutex({ timeoutMs: 5000 })],
  [
    'RedisKeyedMutex',
    () => {
      const redis = new Redis(process.env.TEST_REDIS_URL as string);
      clients.push(redis);
      return new RedisKeyedMutex(redis, { timeoutMs: 5000, prefix: `lock-metrics:${process.pid}:` });
    },
  ],
];

for (const [name, create] of backends) {
  describe(`lock metrics of ${name}`, () => {
    it('counts an acquisition, a wait behind a holder and a timeout, with their wait times', async () => {
      const mutex = create();
      const key = `k:${Math.random()}`;
      const before = await lockStats();
      const held = await mutex.acquire(key);
      await assert.rejects(mutex.acquire(key, { waitMs: 60 }), { code: 'ERR_LOCK_TIMEOUT' });
      const waiting = mutex.acquire(key, { waitMs: 5000 });
      setTimeout(() => void held.release(), 80);
      await (await waiting).release();
      const after = await lockStats();
      assert.equal(after.acquired - before.acquired, 2);
      assert.equal(after.timeout - before.timeout, 1);
      assert.equal(after.error - before.error, 0);
      assert.equal(after.waitCount.acquired! - before.waitCount.acquired!, 2);
      assert.equal(after.waitCount.timeout! - before.waitCount.timeout!, 1);
      const timeoutWait = after.waitSum.timeout! - before.waitSum.timeout!;
      assert.ok(timeoutWait >= 0.055 && timeoutWait < 2, `timeout waited ${timeoutWait} s`);
      // The second acquisition waited for the holder (~80 ms), the first did not.
      const acquiredWait = after.waitSum.acquired! - before.waitSum.acquired!;
      assert.ok(acquiredWait >= 0.07 && acquiredWait < 3, `acquisitions waited ${acquiredWait} s`);
    });

    it('withLock() is one acquisition; an invalid key is a caller bug, not a lock outcome', async () => {
      const mutex = create();
      const before = await lockStats();
      assert.equal(await mutex.withLock(`w:${Math.random()}`, () => 42), 42);
      await assert.rejects(mutex.acquire(''), { code: 'ERR_VALIDATION' });
      const after = await lockStats();
      assert.deepEqual([after.acquired - before.acquired, after.timeout - before.timeout, after.error - before.error], [1, 0, 0]);
    });
  });
}

describe('lock metrics on failures', () => {
  it('counts a Redis that does not answer as outcome "error"', async () => {
    const silent = await silentServer();
    const redis = new Redis(silent.url, { maxRetriesPerRequest: 0, lazyConnect: true });
    try {
      const mutex = new RedisKeyedMutex(redis, { storeTimeoutMs: 100, waitMs: 1000 });
      const before = await lockStats();
      await assert.rejects(mutex.acquire('unreachable'), { code: 'ERR_STORE_UNAVAILABLE' });
      const after = await lockStats();
      assert.deepEqual([after.acquired - before.acquired, after.timeout - before.timeout, after.error - before.error], [0, 0, 1]);
    } finally {
      redis.disconnect();
      silent.close();
    }
  });

  it('counts a full lock table as outcome "error"', async () => {
    const mutex = new MemoryKeyedMutex({ maxLocks: 1 });
    const held = await mutex.acquire('one');
    const before = await lockStats();
    await assert.rejects(mutex.acquire('two'), { code: 'ERR_LOCK_TABLE_FULL' });
    const after = await lockStats();
    assert.equal(after.error - before.error, 1);
    await held.release();
  });
});
