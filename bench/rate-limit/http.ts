/**
 * HTTP req/s of a hello-world app: bare Express vs our middleware (memory, Redis) vs
 * express-rate-limit (memory, rate-limit-redis), plus two floors: bare Express setting the same
 * five headers with constant values, and our middleware with its headers switched off.
 *
 * Each server runs in its own process. On a machine with ≥ 2 CPUs the server is pinned to CPU 0
 * and this process (autocannon) and redis-server to CPU 1 (`taskset`), so the server never
 * shares its core. Two figures per variant, each the median over alternating rounds of the
 * ratio to the bare run of the same round:
 * - req/s: what autocannon measured (noisy: ±5-10 % between rounds on a 2-core VM);
 * - capacity: bare's server CPU per request / the variant's (from the server's own
 *   `process.cpuUsage()` around the run), i.e. the req/s a saturated server core would reach
 *   relative to bare. It excludes autocannon's and Redis's CPU; with the server saturated it
 *   tracks req/s, and it moves as much when the host's speed drifts between rounds.
 *
 * Run: flock /tmp/epk-bench.lock sh -c 'BENCH_ROUNDS=7 BENCH_DURATION_S=4 npx tsx bench/rate-limit/http.ts'
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startRedis } from '../../test/support/redis-server.js';
import { fmt } from './harness.js';

const SERVER = join(dirname(fileURLToPath(import.meta.url)), 'http-server.ts');
const ALL_VARIANTS = ['bare', 'bare-headers', 'ours-memory-noheaders', 'ours-memory', 'erl-memory', 'ours-redis-noheaders', 'ours-redis', 'erl-redis'];
const VARIANTS = process.env.BENCH_VARIANTS ? ['bare', ...process.env.BENCH_VARIANTS.split(',').filter((v) => v !== 'bare')] : ALL_VARIANTS;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 3);
const CONNECTIONS = 50;
const PIN = availableParallelism() >= 2 && spawnSync('taskset', ['-c', '1', 'true']).status === 0;

const NAMES: Record<string, string> = {
  bare: 'bare Express 5',
  'bare-headers': 'bare Express 5 + the same 5 headers, constant values (floor)',
  'ours-memory-noheaders': 'ours, memory, headers off',
  'ours-memory': 'ours, memory (sliding-window)',
  'erl-memory': 'express-rate-limit, MemoryStore',
  'ours-redis-noheaders': 'ours, Redis, headers off',
  'ours-redis': 'ours, Redis (sliding-window)',
  'erl-redis': 'express-rate-limit + rate-limit-redis',
};

async function startServer(variant: string, redisUrl: string): Promise<{ child: ChildProcess; port: number }> {
  const argv = [process.execPath, '--import', 'tsx', SERVER, variant, redisUrl];
  const [command, ...args] = PIN ? ['taskset', '-c', '0', ...argv] : argv;
  const child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('exit', (code) => reject(new Error(`${variant} server exited (${code})`)));
  });
  return { child, port };
}

/** The server's CPU time so far, in microseconds. */
function serverCpu(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once('message', (usage: NodeJS.CpuUsage) => resolve(usage.user + usage.system));
    child.send('cpu');
  });
}

async function main(): Promise<void> {
  if (PIN) spawnSync('taskset', ['-cp', '1', String(process.pid)]); // this process: the load generator
  const redis = await startRedis(); // spawned from here: inherits CPU 1
  const rps: Record<string, number[]> = {};
  const cpuPerRequest: Record<string, number[]> = {};
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const variant of VARIANTS) {
        const { child, port } = await startServer(variant, redis.url);
        try {
          await autocannon({ url: `http://127.0.0.1:${port}/`, connections: CONNECTIONS, duration: 1 }); // warm-up
          const cpuBefore = await serverCpu(child);
          const result = await autocannon({ url: `http://127.0.0.1:${port}/`, connections: CONNECTIONS, duration: DURATION_S });
          const cpuAfter = await serverCpu(child);
          if (result.non2xx > 0 || result.errors > 0) throw new Error(`${variant}: ${result.non2xx} non-2xx, ${result.errors} errors`);
          (rps[variant] ??= []).push(result.requests.average);
          (cpuPerRequest[variant] ??= []).push((cpuAfter - cpuBefore) / result.requests.total);
          process.stderr.write(`round ${round + 1} ${variant}: ${fmt(result.requests.average)} req/s, ${((cpuAfter - cpuBefore) / result.requests.total).toFixed(1)} µs CPU/req\n`);
        } finally {
          child.kill('SIGTERM');
          await new Promise((resolve) => child.once('exit', resolve));
        }
      }
    }
  } finally {
    await redis.stop();
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const range = (values: number[]) => `${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)}`;
  console.log(`\n## HTTP hello world (autocannon, ${CONNECTIONS} connections, ${DURATION_S} s runs, ${ROUNDS} alternating rounds${PIN ? ', server pinned to its own CPU' : ''})\n`);
  console.log('| server | req/s (median) | req/s vs bare (median; range) | server CPU µs/request | capacity vs bare (median; range) |');
  console.log('|---|---:|---:|---:|---:|');
  for (const variant of VARIANTS) {
    const rpsRatios = rps[variant]!.map((value, round) => value / rps.bare![round]!);
    const capacity = cpuPerRequest[variant]!.map((value, round) => cpuPerRequest.bare![round]! / value);
    console.log(`| ${NAMES[variant]} | ${fmt(median(rps[variant]!))} | ${median(rpsRatios).toFixed(2)}× (${range(rpsRatios)}) | ${median(cpuPerRequest[variant]!).toFixed(1)} | ${median(capacity).toFixed(3)}× (${range(capacity)}) |`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
