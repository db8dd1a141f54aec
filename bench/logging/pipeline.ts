/**
 * bench/logging/pipeline: cost of writing one access-log-like JSON record to a file, without
 * HTTP: the kit's root logger (configureLogging json + files) vs a plain winston logger with
 * its File transport vs pino with pino.destination. Alternating rounds, median µs per record.
 *
 *   flock /tmp/epk-bench.lock npx tsx bench/logging/pipeline.ts [--records 20000] [--rounds 5]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import winston from 'winston';
import { configureLogging, getLogger, runWithLogContext, shutdownLogging } from '../../lib/logging/index.js';

const { values } = parseArgs({ options: { records: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '5' } } });
const records = Number(values.records);
const rounds = Number(values.rounds);
const dir = mkdtempSync(join(tmpdir(), 'epk-pipeline-'));

configureLogging({ env: {}, console: false, file: true, logDir: join(dir, 'kit'), format: 'json', fileMaxBytes: 1024 ** 3 });
const kit = getLogger('access');
const plain = winston.createLogger({
  format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
  transports: [new winston.transports.File({ filename: join(dir, 'winston.log') })],
});
const fast = pino(pino.destination(join(dir, 'pino.log')));
const LEVEL = Symbol.for('level');
const record = () => ({ message: 'GET /users/:id 200 1.2ms', method: 'GET', path: '/users/:id', status: 200, durationMs: 1.2, bytes: 12, ip: '127.0.0.1', userAgent: 'bench' });

const candidates: Record<string, () => void> = {
  'kit (write, in a request context)': () => runWithLogContext({ requestId: 'r', fields: {} }, () => kit.write({ ...record(), level: 'info', [LEVEL]: 'info' } as never)),
  'kit (logger.info)': () => kit.info('GET /users/:id 200 1.2ms', record()),
  'winston File transport': () => plain.info('GET /users/:id 200 1.2ms', record()),
  'pino destination': () => fast.info(record()),
};
const results = new Map<string, number[]>(Object.keys(candidates).map((name) => [name, []]));
for (let round = 0; round < rounds; round += 1) {
  for (const [name, write] of Object.entries(candidates)) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < records; i += 1) write();
    await new Promise((resolve) => setImmediate(resolve));
    results.get(name)!.push(Number(process.hrtime.bigint() - start) / 1000 / records);
  }
}
await shutdownLogging();
rmSync(dir, { recursive: true, force: true });
for (const [name, list] of results) {
  const sorted = [...list].sort((a, b) => a - b);
  process.stdout.write(`${name.padEnd(36)} ${sorted[Math.floor(sorted.length / 2)]!.toFixed(2)} µs/record\n`);
}
process.exit(0);
