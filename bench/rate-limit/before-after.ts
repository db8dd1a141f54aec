/**
 * Before/after a refactor, in ONE run: the same measurements of two copies of the rate limiter
 * (this tree and `BENCH_BEFORE`, a checkout of the earlier commit with a node_modules symlink),
 * alternating round by round so machine noise hits both alike; medians per contender, plus
 * RateLimiterMemory / RateLimiterRedis as fixed references (ratios, not absolute figures, are
 * what a noisy machine can compare).
 *
 * - memory `check()` calls/s (100 in flight, 1000 keys), per algorithm;
 * - the middleware on memory, called synchronously with a minimal req/res (its hot path);
 * - Redis `check()` calls/s (100 in flight, 1000 keys), per algorithm, on a private redis-server.
 *
 * Run: git worktree add --detach /tmp/rl-before <commit> && ln -s "$PWD/node_modules" /tmp/rl-before/
 *      flock /tmp/epk-bench.lock sh -c 'BENCH_BEFORE=/tmp/rl-before BENCH_ROUNDS=5 npx tsx bench/rate-limit/before-after.ts'
 */
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { startRedis } from '../../test/support/redis-server.js';
import { fmt, ratio, throughput } from './harness.js';

type Module = typeof import('../../lib/rate-limit/index.js');

const BEFORE = process.env.BENCH_BEFORE;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 1000);
const LIMIT = 1_000_000;
const WINDOW_MS = 1000;
const ALGORITHMS = ['sliding-log', 'sliding-window', 'token-bucket'] as const;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

/** Synchronous middleware calls per second (memory: next() runs before the call returns). */
function middlewareRate(middleware: (req: never, res: never, next: () => void) => void, durationMs: number): number {
  const reqs = Array.from({ length: 1000 }, (_, i) => ({
    originalUrl: '/api/x', url: '/api/x', headers: {}, ip: `10.0.${i >> 8}.${i & 255}`, socket: { remoteAddress: `10.0.${i >> 8}.${i & 255}` },
    app: { get: () => false },
  }));
  const headers = new Map<string, unknown>();
  const res = { headersSent: false, setHeader: (n: string, v: unknown) => headers.set(n, v), getHeader: (n: string) => headers.get(n) };
  let calls = 0;
  const next = () => {
    calls++;
  };
  const end = performance.now() + durationMs;
  let i = 0;
  while (performance.now() < end) {
    for (let j = 0; j < 1000; j++) {
      headers.clear();
      middleware(reqs[i++ % 1000] as never, res as never, next);
    }
  }
  return calls / (durationMs / 1000);
}

async function main(): Promise<void> {
  if (!BEFORE) throw new Error('set BENCH_BEFORE to a checkout of the earlier commit');
  const copies: Record<string, Module> = {
    before: (await import(`${BEFORE}/lib/rate-limit/index.ts`)) as Module,
    after: (await import('../../lib/rate-limit/index.js')) as Module,
  };
  const server = await startRedis();
  const client = new Redis(server.url, { enableAutoPipelining: true });
  try {
    const checks: Record<string, (key: string) => Promise<unknown>> = {};
    const middlewares: Record<string, (req: never, res: never, next: () => void) => void> = {};
    for (const [label, mod] of Object.entries(copies)) {
      for (const algorithm of ALGORITHMS) {
        const memory = mod.createRateLimiter({ name: `m-${label}-${algorithm}`, store: 'memory', algorithm, limit: LIMIT, windowMs: WINDOW_MS });
        checks[`memory ${algorithm} ${label}`] = (key) => memory.check(key);
        const redis = mod.createRateLimiter({ name: `r-${label}-${algorithm}`, redis: client, algorithm, limit: LIMIT, windowMs: WINDOW_MS });
        checks[`redis ${algorithm} ${label}`] = (key) => redis.check(key);
        middlewares[`middleware ${algorithm} ${label}`] = mod.rateLimit({ name: `mw-${label}-${algorithm}`, store: 'memory', algorithm, limit: LIMIT, windowMs: WINDOW_MS }) as never;
      }
    }
    const flexMemory = new RateLimiterMemory({ points: LIMIT, duration: WINDOW_MS / 1000 });
    checks['memory RateLimiterMemory'] = (key) => flexMemory.consume(key);
    const flexRedis = new RateLimiterRedis({ storeClient: client, points: LIMIT, duration: WINDOW_MS / 1000, keyPrefix: 'flx' });
    checks['redis RateLimiterRedis'] = (key) => flexRedis.consume(key);

    const samples: Record<string, number[]> = {};
    for (let round = 0; round < ROUNDS; round++) {
      // alternate the order every round: neither copy always runs first
      const names = Object.keys(checks);
      for (const name of round % 2 === 0 ? names : [...names].reverse()) {
        (samples[name] ??= []).push(await throughput(checks[name]!, { durationMs: DURATION_MS, warmupMs: 200 }));
      }
      const mwNames = Object.keys(middlewares);
      for (const name of round % 2 === 0 ? mwNames : [...mwNames].reverse()) {
        (samples[name] ??= []).push(middlewareRate(middlewares[name]!, DURATION_MS));
      }
      process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
    }
    const med = Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));
    console.log(`| measurement | before | after | after/before | before vs reference | after vs reference |`);
    console.log(`|---|---|---|---|---|---|`);
    for (const kind of ['memory', 'redis', 'middleware'] as const) {
      const reference = kind === 'redis' ? med['redis RateLimiterRedis']! : med['memory RateLimiterMemory']!;
      for (const algorithm of ALGORITHMS) {
        const b = med[`${kind} ${algorithm} before`]!;
        const a = med[`${kind} ${algorithm} after`]!;
        console.log(`| ${kind} ${algorithm} | ${fmt(b)}/s | ${fmt(a)}/s | ${ratio(a, b)} | ${ratio(b, reference)} | ${ratio(a, reference)} |`);
      }
    }
    console.log(`\nreferences (median): RateLimiterMemory ${fmt(med['memory RateLimiterMemory']!)}/s, RateLimiterRedis ${fmt(med['redis RateLimiterRedis']!)}/s; ${ROUNDS} rounds × ${DURATION_MS} ms`);
    console.log(`spread (max/min over rounds): ${Object.entries(samples).map(([n, v]) => `${n} ${(Math.max(...v) / Math.min(...v)).toFixed(2)}`).join('; ')}`);
  } finally {
    client.disconnect();
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
