/** Shared bench helpers: a closed-loop load generator and a private redis-server. */
import { spawnSync } from 'node:child_process';

export interface ThroughputOptions {
  /** Calls kept in flight at once. */
  inFlight?: number;
  /** Distinct keys, used round-robin. */
  keys?: number;
  durationMs?: number;
  warmupMs?: number;
}

/**
 * Calls per second of `call(key)` with `inFlight` calls always pending (closed loop). Deadlines
 * are read from the clock on every completion, not from timers: a store that answers in a
 * microtask (memory) would starve timers forever.
 */
export async function throughput(call: (key: string) => Promise<unknown>, options: ThroughputOptions = {}): Promise<number> {
  const { inFlight = 100, keys = 1000, durationMs = 2000, warmupMs = 300 } = options;
  const keyList = Array.from({ length: keys }, (_, i) => `user:${100000 + i}`);
  let next = 0;
  let done = 0;
  const warmEnd = performance.now() + warmupMs;
  const end = warmEnd + durationMs;
  const worker = async () => {
    for (;;) {
      await call(keyList[next++ % keys]!);
      const now = performance.now();
      if (now >= end) return;
      if (now >= warmEnd) done++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return done / (durationMs / 1000);
}

/** `redis-benchmark` requests/s for one command line (parses the `-q` CSV output). */
export function redisBenchmark(port: number, args: string[]): number {
  const run = spawnSync('redis-benchmark', ['-h', '127.0.0.1', '-p', String(port), '--csv', ...args], { encoding: 'utf8', timeout: 120_000 });
  if (run.status !== 0) throw new Error(`redis-benchmark failed: ${run.stderr}`);
  const lines = run.stdout.trim().split('\n').filter((line) => !line.startsWith('"test"'));
  const last = lines.pop() ?? '';
  const value = Number(JSON.parse(`[${last}]`)[1]);
  if (!Number.isFinite(value)) throw new Error(`cannot parse redis-benchmark output: ${run.stdout}`);
  return value;
}

export const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
export const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;
