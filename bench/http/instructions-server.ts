/**
 * One bench/http server for bench/http/instructions.ts: the same apps as server.ts, built from
 * the same BENCH_* variables, without the IPC channel (it runs under valgrind, whose only
 * output read is the instruction count). Prints `listening <port>`; exits when a line arrives
 * on stdin, so the run ends at a point that is the same in every run.
 */
import type { AddressInfo } from 'node:net';
import { buildBenchApp } from './apps.js';

async function main(): Promise<void> {
  const app = await buildBenchApp(process.argv[2] ?? 'bare');
  const server = app.listen(0, '127.0.0.1', () => {
    process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
  });
  server.keepAliveTimeout = 600_000;
  process.stdin.once('data', () => process.exit(0));
}

void main();
