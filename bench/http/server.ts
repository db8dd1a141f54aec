/**
 * One benchmark server in its own process (so the load generator never shares its event
 * loop): `node --import tsx bench/http/server.ts <kind>`; prints `listening <port>` and
 * answers the launcher's CPU-time requests over IPC (bench/support/child-server.ts).
 * Kinds: `bare`, `floor`, `kit`, `peer` (the main table) and `layer:<id>` (the budget table,
 * bench/http/layers.ts); `budget-bare` is bare Express for the budget's `POST /hello`.
 */
import type { AddressInfo } from 'node:net';
import { answerCpuRequests } from '../support/child-server.js';
import { buildBenchApp } from './apps.js';

const app = await buildBenchApp(process.argv[2] ?? 'bare');
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
