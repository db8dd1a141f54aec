/**
 * The batch script sent two ways on one auto-pipelined connection, alternating rounds, medians:
 * raw `sendCommand(new Command('evalsha', …))` straight onto the connection (what the store does)
 * vs ioredis `defineCommand` (EVALSHA with EVAL on NOSCRIPT, but queued into the client's
 * auto-pipeline, which flushes one event-loop turn later). 4 batches of 32 sliding-window checks
 * in flight, closed loop.
 *
 * Run: flock /tmp/epk-bench.lock sh -c 'BENCH_ROUNDS=5 npx tsx bench/rate-limit/define-command.ts'
 */
import { createHash } from 'node:crypto';
import { Command, Redis } from 'ioredis';
import { rateLimitBatchLua } from '../../lib/rate-limit/redis-scripts.js';
import { startRedis } from '../../test/support/redis-server.js';
import { fmt, ratio } from './harness.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 1500);
const BATCH = 32;
const IN_FLIGHT_BATCHES = 4;

async function rate(send: (keys: string[]) => Promise<unknown>): Promise<number> {
  const keys = Array.from({ length: 1000 }, (_, i) => `rl:{b:k:user:${i}}:win`);
  let next = 0;
  let checks = 0;
  const end = performance.now() + DURATION_MS;
  const worker = async () => {
    while (performance.now() < end) {
      const batch = Array.from({ length: BATCH }, () => keys[next++ % keys.length]!);
      await send(batch);
      checks += BATCH;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT_BATCHES }, worker));
  return checks / (DURATION_MS / 1000);
}

async function main(): Promise<void> {
  const server = await startRedis();
  const client = new Redis(server.url, { enableAutoPipelining: true });
  try {
    const lua = rateLimitBatchLua({ algorithm: 'sliding-window', limit: 1_000_000, windowMs: 1000, capacity: 1_000_000 });
    const sha = createHash('sha1').update(lua).digest('hex');
    await client.script('LOAD', lua);
    client.defineCommand('benchBatch', { lua });
    const defined = client as unknown as { benchBatch(n: number, ...keys: string[]): Promise<unknown> };
    const variants: Record<string, (keys: string[]) => Promise<unknown>> = {
      'raw sendCommand': (keys) => new Promise((resolve, reject) => {
        client.sendCommand(new Command('evalsha', [sha, keys.length, ...keys], undefined, (error, value) => (error ? reject(error) : resolve(value))));
      }),
      defineCommand: (keys) => defined.benchBatch(keys.length, ...keys),
    };
    const samples: Record<string, number[]> = {};
    for (let round = 0; round < ROUNDS; round++) {
      const names = round % 2 === 0 ? Object.keys(variants) : Object.keys(variants).reverse();
      for (const name of names) (samples[name] ??= []).push(await rate(variants[name]!));
    }
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
    const raw = median(samples['raw sendCommand']!);
    const def = median(samples.defineCommand!);
    console.log(`raw sendCommand ${fmt(raw)} checks/s, defineCommand ${fmt(def)} checks/s: defineCommand/raw ${ratio(def, raw)} (medians of ${ROUNDS} alternating rounds × ${DURATION_MS} ms)`);
    console.log(`rounds: ${JSON.stringify(Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, v.map(Math.round)])))}`);
  } finally {
    client.disconnect();
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
