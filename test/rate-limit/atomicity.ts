/** Runs 4 OS processes × 200 concurrent operations per algorithm on shared keys (limit 100). */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { RATE_LIMIT_ALGORITHMS, createRateLimiter, type RateLimitAlgorithm } from '../../lib/rate-limit/index.js';
import type { RedisClient } from '../../lib/redis/index.js';
import { ATOMICITY_WINDOW_MS, HIT_ALL_SECOND_LIMIT, type AtomicityMode } from './fixtures/atomicity-modes.js';
import { uniqueName } from './helpers.js';

const WORKER = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'check-worker.ts');

/** Per algorithm: allowed operations and refunded units, summed over the processes. */
export type AtomicityTotals = Record<string, { allowed: number; refunded: number }>;

/** Runs the workers in `mode`; answers the limiter name prefix (`<prefix>-<algorithm>`) and the totals. */
export async function runAtomicityMode(target: string, mode: AtomicityMode, processes = 4, count = 200, limit = 100): Promise<{ prefix: string; totals: AtomicityTotals }> {
  const prefix = uniqueName('atomic');
  const children = Array.from({ length: processes }, () =>
    spawn(process.execPath, ['--import', 'tsx', WORKER, target, prefix, String(count), String(limit), mode], { stdio: ['pipe', 'pipe', 'pipe'] }));
  const outputs = children.map((child) => {
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    const ready = new Promise<void>((resolve, reject) => {
      const onData = () => {
        if (out.includes('ready\n')) {
          child.stdout.off('data', onData);
          resolve();
        }
      };
      child.stdout.on('data', onData);
      child.once('exit', (code) => reject(new Error(`worker exited early (${code}): ${err}`)));
    });
    const done = new Promise<Record<string, number | { allowed: number; refunded: number }>>((resolve, reject) => {
      child.once('exit', (code) => {
        if (code !== 0) reject(new Error(`worker failed (${code}): ${err}`));
        else resolve(JSON.parse(out.split('\n').filter(Boolean).pop()!) as Record<string, number | { allowed: number; refunded: number }>);
      });
    });
    done.catch(() => {});
    return { child, ready, done };
  });
  await Promise.all(outputs.map((o) => o.ready));
  for (const { child } of outputs) child.stdin.end('go\n');
  const results = await Promise.all(outputs.map((o) => o.done));
  const totals: AtomicityTotals = {};
  for (const result of results) {
    for (const [algorithm, value] of Object.entries(result)) {
      const { allowed, refunded } = typeof value === 'number' ? { allowed: value, refunded: 0 } : value;
      const total = (totals[algorithm] ??= { allowed: 0, refunded: 0 });
      total.allowed += allowed;
      total.refunded += refunded;
    }
  }
  return { prefix, totals };
}

/** The plain check: per algorithm, how many of `processes × count` checks were allowed. */
export async function runAtomicity(target: string, processes = 4, count = 200, limit = 100): Promise<Record<string, number>> {
  const { totals } = await runAtomicityMode(target, 'plain', processes, count, limit);
  return Object.fromEntries(Object.entries(totals).map(([algorithm, { allowed }]) => [algorithm, allowed]));
}

/**
 * The engine under 4 processes × 200 concurrent operations, for every algorithm: exact counts
 * (no unit lost, made up, refunded twice or not at all), read back from the store afterwards.
 * `crossSlotExact`: hitAll over two client keys lets exactly the smaller limit through (one
 * script on one server); on a cluster it may let fewer (per-slot calls with refunds), never more.
 */
export function engineAtomicity(target: () => string, redis: () => RedisClient, crossSlotExact: boolean): void {
  const limiterOf = (prefix: string, algorithm: RateLimitAlgorithm) =>
    createRateLimiter({ name: `${prefix}-${algorithm}`, redis: redis(), algorithm, limit: 100, windowMs: ATOMICITY_WINDOW_MS, cacheBlockedKeys: false });
  const current = async (prefix: string, algorithm: RateLimitAlgorithm, key: string, policy?: { limit?: number; windowMs?: number }) =>
    (await limiterOf(prefix, algorithm).info(key, policy)).current;

  it('cost 2: exactly 50 of 800 concurrent checks allowed, 100 units counted, for every algorithm', async () => {
    const { prefix, totals } = await runAtomicityMode(target(), 'cost');
    for (const algorithm of RATE_LIMIT_ALGORITHMS) {
      assert.equal(totals[algorithm]!.allowed, 50, algorithm);
      assert.equal(await current(prefix, algorithm, 'one-key'), 100, algorithm);
    }
  });

  it('hitAll over two windows of one key: exactly the smaller limit allowed, and nothing charged for the denied', async () => {
    const { prefix, totals } = await runAtomicityMode(target(), 'hitAll');
    for (const algorithm of RATE_LIMIT_ALGORITHMS) {
      assert.equal(totals[algorithm]!.allowed, HIT_ALL_SECOND_LIMIT, algorithm);
      assert.equal(await current(prefix, algorithm, 'one-key'), HIT_ALL_SECOND_LIMIT, `${algorithm}: the larger policy was charged only for the allowed`);
      assert.equal(await current(prefix, algorithm, 'one-key', { limit: HIT_ALL_SECOND_LIMIT, windowMs: ATOMICITY_WINDOW_MS - 1 }), HIT_ALL_SECOND_LIMIT, algorithm);
    }
  });

  it(`hitAll over two client keys: ${crossSlotExact ? 'exactly' : 'at most'} the smaller limit allowed, both counters equal to the allowed`, async () => {
    const { prefix, totals } = await runAtomicityMode(target(), 'hitAllCross');
    for (const algorithm of RATE_LIMIT_ALGORITHMS) {
      const { allowed } = totals[algorithm]!;
      if (crossSlotExact) assert.equal(allowed, HIT_ALL_SECOND_LIMIT, algorithm);
      else assert.ok(allowed > 0 && allowed <= HIT_ALL_SECOND_LIMIT, `${algorithm}: ${allowed}`);
      assert.equal(await current(prefix, algorithm, 'tenant'), allowed, `${algorithm}: every charge of a denied set was refunded, once`);
      assert.equal(await current(prefix, algorithm, 'user', { limit: HIT_ALL_SECOND_LIMIT }), allowed, algorithm);
    }
  });

  it('cost 2 with concurrent refunds: every refund gives back exactly its 2 units, the counter ends at charged − refunded', async () => {
    const { prefix, totals } = await runAtomicityMode(target(), 'refund');
    for (const algorithm of RATE_LIMIT_ALGORITHMS) {
      const { allowed, refunded } = totals[algorithm]!;
      const refunds = Math.ceil(allowed / 2); // roughly: every other allowed check refunds
      assert.ok(allowed >= 50 && refunded > 0 && refunded % 2 === 0, `${algorithm}: allowed ${allowed}, refunded ${refunded}`);
      assert.ok(refunded <= 2 * allowed && refunds > 0);
      assert.equal(await current(prefix, algorithm, 'one-key'), 2 * allowed - refunded, algorithm);
      assert.ok(2 * allowed - refunded <= 100, `${algorithm}: never more than the limit counted`);
    }
  });
}
