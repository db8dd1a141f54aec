/**
 * One bench/http server for bench/http/instructions.ts: the same apps as server.ts, built from
 * the same BENCH_* variables, without the IPC channel (it runs under valgrind, whose only
 * output read is the instruction count). Prints `listening <port>`; exits when a line arrives
 * on stdin, so the run ends at a point that is the same in every run.
 */
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { floorApp } from './floor.js';
import { kitApp } from './kit-stack.js';
import { budgetApp, LAYER_VARIANTS } from './layers.js';
import type { BenchAppOptions } from './options.js';
import { bareApp } from './peer-stack.js';

async function main(): Promise<void> {
  const kind = process.argv[2] ?? 'bare';
  const options: BenchAppOptions = {
    redisUrl: process.env.BENCH_REDIS_URL || undefined,
    logFile: process.env.BENCH_LOG_FILE ?? '/tmp/epk-bench-access.log',
    logDir: process.env.BENCH_LOG_DIR ?? '/tmp/epk-bench-logs',
    secret: process.env.BENCH_JWT_SECRET ?? '',
    rs256PublicKey: process.env.BENCH_RS256_PUBLIC_KEY,
    es256PublicKey: process.env.BENCH_ES256_PUBLIC_KEY,
    limit: 1_000_000,
  };
  const factories: Record<string, () => Express | Promise<Express>> = {
    bare: () => bareApp(),
    floor: () => floorApp(options),
    kit: () => kitApp(options),
    'budget-bare': () => budgetApp(),
  };
  for (const variant of LAYER_VARIANTS) factories[`layer:${variant.id}`] = () => variant.build(options);
  const factory = factories[kind];
  if (!factory) throw new Error(`unknown kind ${kind}`);
  const app = await factory();
  const server = app.listen(0, '127.0.0.1', () => {
    process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
  });
  server.keepAliveTimeout = 600_000;
  process.stdin.once('data', () => process.exit(0));
}

void main();
