/**
 * One benchmark server in its own process (so the load generator never shares its event
 * loop): `node --import tsx bench/http/server.ts <kind>`; prints `listening <port>` and
 * answers the launcher's CPU-time requests over IPC (bench/support/child-server.ts).
 * Kinds: `bare`, `floor`, `kit`, `peer` (the main table) and `layer:<id>` (the budget table,
 * bench/http/layers.ts); `budget-bare` is bare Express for the budget's `POST /hello`.
 */
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { answerCpuRequests } from '../support/child-server.js';
import { floorApp } from './floor.js';
import { kitApp } from './kit-stack.js';
import { budgetApp, LAYER_VARIANTS } from './layers.js';
import type { BenchAppOptions } from './options.js';
import { bareApp, peerApp } from './peer-stack.js';

const kind = process.argv[2] ?? 'bare';
const options: BenchAppOptions = {
  redisUrl: process.env.BENCH_REDIS_URL || undefined,
  logFile: process.env.BENCH_LOG_FILE ?? '/tmp/epk-bench-access.log',
  logDir: process.env.BENCH_LOG_DIR ?? '/tmp/epk-bench-logs',
  secret: process.env.BENCH_JWT_SECRET ?? '',
  rs256PublicKey: process.env.BENCH_RS256_PUBLIC_KEY,
  es256PublicKey: process.env.BENCH_ES256_PUBLIC_KEY,
  limit: 1_000_000, // the kit's maximum; never reached in a run
};

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
const app = await factory();
const server = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
server.keepAliveTimeout = 60_000;
answerCpuRequests();
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
process.on('disconnect', () => process.exit(0));
