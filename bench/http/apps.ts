/**
 * The bench/http apps by kind, built from the BENCH_* variables: one table for server.ts (the
 * wall-clock runs) and instructions-server.ts (the callgrind runs), so both measure the same apps.
 * Kinds: `bare`, `floor`, `kit`, `peer` (the main table) and `layer:<id>` (the budget table,
 * bench/http/layers.ts); `budget-bare` is bare Express for the budget's `POST /hello`.
 */
import type { Express } from 'express';
import { floorApp } from './floor.js';
import { kitApp } from './kit-stack.js';
import { budgetApp, LAYER_VARIANTS } from './layers.js';
import type { BenchAppOptions } from './options.js';
import { bareApp, peerApp } from './peer-stack.js';

/** The options every bench server reads from its environment. */
export function benchOptionsFromEnv(): BenchAppOptions {
  return {
    redisUrl: process.env.BENCH_REDIS_URL || undefined,
    logFile: process.env.BENCH_LOG_FILE ?? '/tmp/epk-bench-access.log',
    logDir: process.env.BENCH_LOG_DIR ?? '/tmp/epk-bench-logs',
    secret: process.env.BENCH_JWT_SECRET ?? '',
    rs256PublicKey: process.env.BENCH_RS256_PUBLIC_KEY,
    es256PublicKey: process.env.BENCH_ES256_PUBLIC_KEY,
    limit: 1_000_000, // the kit's maximum; never reached in a run
  };
}

/** The app of `kind`; an unknown kind throws. */
export async function buildBenchApp(kind: string, options: BenchAppOptions = benchOptionsFromEnv()): Promise<Express> {
  const factories: Record<string, () => Express | Promise<Express>> = {
    bare: () => bareApp(),
    floor: () => floorApp(options),
    kit: () => kitApp(options),
    peer: () => peerApp(options),
    'budget-bare': () => budgetApp(),
  };
  for (const variant of LAYER_VARIANTS) factories[`layer:${variant.id}`] = () => variant.build(options);
  const factory = factories[kind];
  if (!factory) throw new Error(`unknown kind ${kind}`);
  return factory();
}
