/**
 * bench/sync: keyed mutex cost, side by side in one run against its peers on the same
 * redis-server (started on a loopback port for the run):
 * - uncontended: acquire + release of a fresh key, one after another (two Redis round trips);
 * - contended: `chains` concurrent workers in this process, each doing `perChain` critical
 *   sections on ONE key (how fast the lock moves from one holder to the next);
 * - memory: the in-process mutex against async-mutex (one Mutex per key, runExclusive).
 * Peer: redis-semaphore's `Mutex` (SET NX PX + Lua release, polling every retryInterval),
 * with its defaults. Each scenario alternates candidates for `rounds` short rounds (the
 * machine is shared: many short alternating rounds and the median resist load spikes).
 *
 *   flock /tmp/epk-bench.lock npx tsx bench/sync/run.ts [--rounds 11] [--ops 300] [--out bench/sync/RESULTS.md]
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { Mutex as AsyncMutex } from 'async-mutex';
import { Redis } from 'ioredis';
import { Mutex as SemaphoreMutex } from 'redis-semaphore';
import { MemoryKeyedMutex, RedisKeyedMutex } from '../../lib/sync/index.js';
import { startRedis } from '../../test/support/redis-server.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '11' },
    ops: { type: 'string', default: '300' },
    chains: { type: 'string', default: '20' },
    perChain: { type: 'string', default: '25' },
    out: { type: 'string', default: 'bench/sync/RESULTS.md' },
  },
});
const rounds = Number(values.rounds);
const ops = Number(values.ops);
const chains = Number(values.chains);
const perChain = Number(values.perChain);

type Candidate = { name: string; criticalSection: (key: string, body: () => Promise<void> | void) => Promise<void> };

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
let keySeq = 0;

async function uncontended(candidate: Candidate): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < ops; i++) await candidate.criticalSection(`bench:u:${keySeq++}`, () => {});
  return ops / ((performance.now() - started) / 1000);
}

async function contended(candidate: Candidate): Promise<number> {
  const key = `bench:c:${keySeq++}`;
  let counter = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: chains }, async () => {
      for (let i = 0; i < perChain; i++) {
        await candidate.criticalSection(key, async () => {
          const value = counter;
          await Promise.resolve();
          counter = value + 1;
        });
      }
    }),
  );
  if (counter !== chains * perChain) throw new Error(`${candidate.name} lost increments: ${counter}`);
  return counter / ((performance.now() - started) / 1000);
}

async function compare(title: string, run: (c: Candidate) => Promise<number>, candidates: Candidate[]): Promise<string[]> {
  const results = new Map<string, number[]>(candidates.map((c) => [c.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const candidate of candidates) results.get(candidate.name)?.push(await run(candidate));
  }
  const ours = median(results.get(candidates[0]!.name)!);
  const lines = [`### ${title}`, '', '| implementation | ops/s (median) | ours ÷ peer |', '| --- | ---: | ---: |'];
  for (const candidate of candidates) {
    const value = median(results.get(candidate.name)!);
    lines.push(`| ${candidate.name} | ${value.toFixed(0)} | ${candidate === candidates[0] ? '—' : (ours / value).toFixed(2)} |`);
  }
  console.log(lines.join('\n') + '\n');
  return [...lines, ''];
}

async function main(): Promise<void> {
  const server = await startRedis();
  const redis = new Redis(server.url);
  const ours = new RedisKeyedMutex(redis, { timeoutMs: 10_000 });
  const memory = new MemoryKeyedMutex({ timeoutMs: 10_000 });
  const asyncMutexes = new Map<string, AsyncMutex>();

  const kit: Candidate = { name: 'kit RedisKeyedMutex.withLock', criticalSection: (key, body) => ours.withLock(key, body) };
  const peer: Candidate = {
    name: 'redis-semaphore Mutex (defaults)',
    criticalSection: async (key, body) => {
      const mutex = new SemaphoreMutex(redis, key, { lockTimeout: 10_000 });
      await mutex.acquire();
      try {
        await body();
      } finally {
        await mutex.release();
      }
    },
  };
  const kitMemory: Candidate = { name: 'kit MemoryKeyedMutex.withLock', criticalSection: (key, body) => memory.withLock(key, body) };
  const asyncMutex: Candidate = {
    name: 'async-mutex runExclusive (Map of mutexes)',
    criticalSection: async (key, body) => {
      let mutex = asyncMutexes.get(key);
      if (!mutex) asyncMutexes.set(key, (mutex = new AsyncMutex()));
      await mutex.runExclusive(body);
    },
  };

  const lines = [
    '# bench/sync — keyed mutex',
    '',
    `Command: \`flock /tmp/epk-bench.lock npx tsx bench/sync/run.ts --rounds ${rounds} --ops ${ops} --chains ${chains} --perChain ${perChain}\``,
    '',
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, local redis-server (loopback), shared with other work.`,
    '',
    ...(await compare(`Uncontended acquire + release (${ops} fresh keys, sequential)`, uncontended, [kit, peer])),
    ...(await compare(`Contended: ${chains} concurrent chains × ${perChain} critical sections on one key`, contended, [kit, peer])),
    ...(await compare(`In memory, contended (${chains} × ${perChain} on one key)`, contended, [kitMemory, asyncMutex])),
    ...(await compare(`In memory, uncontended (${ops} fresh keys)`, uncontended, [kitMemory, asyncMutex])),
  ];
  lines.push(
    '## Reading',
    '',
    '- Uncontended, both do the same two round trips (SET NX PX, then a compare-and-delete script); the',
    '  difference is per-lock bookkeeping (owner token, AbortSignal, expiry and extension timers) and load',
    '  noise on this shared 2-core machine: expect about 1.0 on a quiet one.',
    '- Contended in one process, the kit queues waiters locally (FIFO) and only the head of the queue polls',
    '  Redis, so the lock moves to the next holder as soon as it is released; the peer makes every waiter',
    '  poll Redis every `retryInterval`.',
    '- In memory, async-mutex is a bare promise queue; the kit mutex also keeps lock timeouts, owner tokens,',
    '  an AbortSignal per lock and the same API as the Redis one. Both are far above what a lock around',
    '  I/O needs.',
    '',
  );
  writeFileSync(values.out as string, lines.join('\n'));
  await redis.quit();
  await server.stop();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
