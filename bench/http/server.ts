/**
 * One benchmark server in its own process (so the load generator never shares its event
 * loop): `node --import tsx bench/http/server.ts <kind>`; prints `listening <port>`.
 */
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { bareApp, peerApp, type BenchAppOptions } from './peer-stack.js';
import { kitApp } from './kit-stack.js';

const kind = process.argv[2] ?? 'bare';
const options: BenchAppOptions = {
  redisUrl: process.env.BENCH_REDIS_URL || undefined,
  logFile: process.env.BENCH_LOG_FILE ?? '/tmp/epk-bench-access.log',
  secret: process.env.BENCH_JWT_SECRET ?? '',
  limit: 1_000_000,
};

const factories: Record<string, () => Express | Promise<Express>> = {
  bare: () => bareApp(),
  kit: () => kitApp(options),
  peer: () => peerApp(options),
};
const factory = factories[kind];
if (!factory) throw new Error(`unknown kind ${kind}`);
const app = await factory();
const server = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
server.keepAliveTimeout = 60_000;
process.on('SIGTERM', () => server.close(() => process.exit(0)));
