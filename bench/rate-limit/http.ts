/**
 * HTTP req/s of a hello-world app: bare Express vs our middleware (memory, Redis) vs
 * express-rate-limit (memory, rate-limit-redis). Each server runs in its own process; autocannon
 * (as a library) runs here; short runs, variants alternated, best of the rounds kept.
 *
 * Run: flock /tmp/epk-bench.lock npx tsx bench/rate-limit/http.ts
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startRedis } from '../../test/support/redis-server.js';
import { fmt, ratio } from './harness.js';

const SERVER = join(dirname(fileURLToPath(import.meta.url)), 'http-server.ts');
const VARIANTS = ['bare', 'ours-memory', 'erl-memory', 'ours-redis', 'erl-redis'] as const;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 3);

async function startServer(variant: string, redisUrl: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER, variant, redisUrl], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('exit', (code) => reject(new Error(`${variant} server exited (${code})`)));
  });
  return { child, port };
}

async function main(): Promise<void> {
  const redis = await startRedis();
  const runs: Record<string, number[]> = {};
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const variant of VARIANTS) {
        const { child, port } = await startServer(variant, redis.url);
        try {
          await autocannon({ url: `http://127.0.0.1:${port}/`, connections: 50, duration: 1 }); // warm-up
          const result = await autocannon({ url: `http://127.0.0.1:${port}/`, connections: 50, duration: DURATION_S });
          if (result.non2xx > 0 || result.errors > 0) throw new Error(`${variant}: ${result.non2xx} non-2xx, ${result.errors} errors`);
          (runs[variant] ??= []).push(result.requests.average);
          process.stderr.write(`round ${round + 1} ${variant}: ${fmt(result.requests.average)} req/s\n`);
        } finally {
          child.kill('SIGTERM');
        }
      }
    }
  } finally {
    await redis.stop();
  }
  // Median per variant, and the median of the per-round ratios to the bare run of the same round
  // (the machine's background load drifts between rounds; adjacent runs share it).
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const best: Record<string, number> = {};
  const ratioMedian: Record<string, number> = {};
  for (const variant of VARIANTS) {
    best[variant] = median(runs[variant]!);
    ratioMedian[variant] = median(runs[variant]!.map((value, round) => value / runs.bare![round]!));
  }
  const bare = best.bare!;
  console.log(`\n## HTTP hello world req/s (autocannon, 50 connections, ${DURATION_S} s runs, median of ${ROUNDS} alternating rounds)\n`);
  console.log('| server | req/s | vs bare Express (median of per-round ratios) |');
  console.log('|---|---:|---:|');
  const names: Record<string, string> = {
    bare: 'bare Express 5', 'ours-memory': 'ours, memory (sliding-window)', 'erl-memory': 'express-rate-limit, MemoryStore',
    'ours-redis': 'ours, Redis (sliding-window)', 'erl-redis': 'express-rate-limit + rate-limit-redis',
  };
  for (const variant of VARIANTS) console.log(`| ${names[variant]} | ${fmt(best[variant]!)} | ${ratioMedian[variant]!.toFixed(2)}× |`);
  void bare;
  void ratio;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
