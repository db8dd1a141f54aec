/**
 * bench/api-key: the cost of verifying salted scrypt API keys (N=16384, r=8, p=1), side by side
 * in one run:
 * - kit: `APIKeyManager.verify` (async `crypto.scrypt` on libuv's thread pool), `concurrency`
 *   verifications in flight, as concurrent requests would issue them;
 * - peer: a direct port of the reference's verification with `crypto.scryptSync` (what a
 *   synchronous implementation does), one after another.
 * For each: verifications per second and the longest event-loop stall while they ran (what
 * every other request on the process waits). The kit's remembered verifications are off here
 * (`verifiedCacheTtlMs: 0`): this measures scrypt. Then the thread-pool bound: how long an
 * unrelated `fs.readFile` takes while 40 wrong keys with a real head are being hashed, with the
 * kit's default bound (half the pool) and without one. Rounds alternate; medians reported.
 *
 *   flock /tmp/epk-bench.lock npx tsx bench/api-key/run.ts [--rounds 3] [--ops 48] [--concurrency 8] [--out bench/api-key/RESULTS.md]
 */
import { scryptSync, timingSafeEqual } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { APIKeyManager } from '../../lib/api-key/index.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    ops: { type: 'string', default: '48' },
    concurrency: { type: 'string', default: '8' },
    out: { type: 'string', default: 'bench/api-key/RESULTS.md' },
  },
});
const rounds = Number(values.rounds);
const ops = Number(values.ops);
const concurrency = Number(values.concurrency);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

interface Sample {
  perSecond: number;
  maxStallMs: number;
}

async function measure(run: () => Promise<void>): Promise<Sample> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  const started = performance.now();
  await run();
  const seconds = (performance.now() - started) / 1000;
  // let the histogram observe the last stall before reading it
  await new Promise((resolve) => setTimeout(resolve, 20));
  histogram.disable();
  return { perSecond: ops / seconds, maxStallMs: histogram.max / 1e6 };
}

async function main(): Promise<void> {
  const manager = new APIKeyManager({ verifiedCacheTtlMs: 0 });
  const { key, hash, salt } = await manager.generate();
  const bounded = new APIKeyManager({ verifiedCacheTtlMs: 0 }); // the process-wide default bound
  const unbounded = new APIKeyManager({ verifiedCacheTtlMs: 0, maxConcurrentHashes: 1024, maxQueuedHashes: 100_000, hashQueueTimeoutMs: 60_000 });
  const guess = (i: number) => `${key.slice(0, 8)}${String(i).padStart(4, '0')}${'A'.repeat(key.length - 12)}`;
  /** Milliseconds an unrelated readFile takes while 40 guesses are hashed. */
  const readFileDelay = async (keys: APIKeyManager): Promise<number> => {
    const guesses = Array.from({ length: 40 }, (_, i) => keys.verify(guess(i), hash, salt).catch(() => false));
    const started = performance.now();
    await readFile(new URL(import.meta.url));
    const ms = performance.now() - started;
    await Promise.all(guesses);
    return ms;
  };

  const kit = async (): Promise<void> => {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next++ < ops) if (!(await manager.verify(key, hash, salt))) throw new Error('kit verify failed');
      }),
    );
  };
  const syncPort = async (): Promise<void> => {
    const expected = Buffer.from(hash, 'hex');
    for (let i = 0; i < ops; i++) {
      const derived = scryptSync(key, Buffer.from(salt, 'hex'), 32, { N: 16_384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
      if (!timingSafeEqual(derived, expected)) throw new Error('sync verify failed');
      // a macrotask turn between requests, as a server gets: lets the loop (and the histogram) run
      await new Promise((resolve) => setImmediate(resolve));
    }
  };

  const samples = { kit: [] as Sample[], sync: [] as Sample[] };
  const delays = { bounded: [] as number[], unbounded: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    samples.kit.push(await measure(kit));
    samples.sync.push(await measure(syncPort));
    const order = round % 2 === 0 ? (['bounded', 'unbounded'] as const) : (['unbounded', 'bounded'] as const);
    for (const which of order) delays[which].push(await readFileDelay(which === 'bounded' ? bounded : unbounded));
  }
  const row = (name: string, list: Sample[], base?: number): string => {
    const perSecond = median(list.map((s) => s.perSecond));
    const ratio = base === undefined ? '—' : (base / perSecond).toFixed(2);
    return `| ${name} | ${perSecond.toFixed(1)} | ${ratio} | ${median(list.map((s) => s.maxStallMs)).toFixed(0)} |`;
  };
  const kitRate = median(samples.kit.map((s) => s.perSecond));
  const lines = [
    '# bench/api-key — scrypt verification',
    '',
    `Command: \`flock /tmp/epk-bench.lock npx tsx bench/api-key/run.ts --rounds ${rounds} --ops ${ops} --concurrency ${concurrency}\``,
    '',
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}, shared with other work.`,
    '',
    `${ops} verifications of one key per round, ${rounds} rounds, medians.`,
    '',
    '| implementation | verifications/s | kit ÷ this | longest event-loop stall (ms) |',
    '| --- | ---: | ---: | ---: |',
    row(`kit APIKeyManager.verify (async, ${concurrency} in flight)`, samples.kit),
    row('peer: scryptSync port of the Python verification (sequential)', samples.sync, kitRate),
    '',
    '### An unrelated fs.readFile while 40 wrong keys with a real head are hashed',
    '',
    '| scrypt work | readFile took (ms, median) |',
    '| --- | ---: |',
    `| kit default: at most half the pool at once (queue beyond) | ${median(delays.bounded).toFixed(1)} |`,
    `| unbounded (every guess queued on the pool at once, as 0.2 did) | ${median(delays.unbounded).toFixed(1)} |`,
    '',
    '## Reading',
    '',
    '- Throughput is bound by CPU (scrypt is memory-hard by design). The async API cannot make one scrypt',
    '  cheaper, but it spreads concurrent verifications over the thread pool (here both cores) while the',
    '  synchronous port uses the one core of the event loop; on a loaded machine the two get closer.',
    '- The stall column is what matters for the other requests of the process: the synchronous port blocks',
    '  the loop for a whole scrypt on every verification; the kit leaves it running (its stalls come from',
    '  the OS sharing 2 cores between the thread pool and the main thread, and shrink on an idle machine or',
    '  with more cores).',
    '- Unknown heads cost no scrypt at all (`requireApiKey` looks the head up first); put `rateLimit()`',
    '  before `requireApiKey()` on public endpoints.',
    '- The bound keeps half of libuv\'s pool for fs, dns.lookup and zlib: unbounded, the readFile waits',
    '  behind the 40 queued scrypts; bounded, it finds a free thread. Beyond the bound and its queue,',
    '  `requireApiKey()` answers 503 `ERR_API_KEY_BUSY`; a key verified once is remembered for 60 s, so',
    '  legitimate clients pay one scrypt per key per minute (off in this benchmark).',
    '',
  ];
  console.log(lines.join('\n'));
  writeFileSync(values.out as string, lines.join('\n'));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
