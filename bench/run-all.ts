/**
 * `npm run bench`: runs every benchmark one after the other (never two at once on this
 * 2-core machine), each writing bench/<name>/RESULTS.md, then rewrites bench/RESULTS.md.
 * Takes about 20 minutes. `--only http,jwt` runs a subset.
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { mergeResults } from './merge-results.js';

const BENCHMARKS: Record<string, string[][]> = {
  http: [['bench/http/run.ts']], // defaults: 5 rounds × 2 s (main), 5 rounds × 1 s per budget layer; ~8 min on a busy host
  jwt: [['bench/jwt/run.ts', '--ms', '100', '--rounds', '15']],
  'rate-limit': [['bench/rate-limit/check-throughput.ts'], ['bench/rate-limit/memory-usage.ts'], ['bench/rate-limit/http.ts']],
  logging: [['bench/logging/run.ts', '--seconds', '2', '--rounds', '9', '--connections', '16']],
  openapi: [['bench/openapi/validation.ts', '3', '5']],
  'api-key': [['bench/api-key/run.ts', '--rounds', '3', '--ops', '32', '--concurrency', '8']],
  sync: [['bench/sync/run.ts', '--rounds', '11', '--ops', '300']],
  session: [['bench/session/run.ts', '--duration', '4', '--rounds', '3', '--connections', '50']],
};

const { values } = parseArgs({ options: { only: { type: 'string' } } });
const selected = values.only ? values.only.split(',') : Object.keys(BENCHMARKS);
let failed = 0;
for (const name of selected) {
  for (const args of BENCHMARKS[name] ?? []) {
    process.stderr.write(`\n== ${name}: tsx ${args.join(' ')}\n`);
    const run = spawnSync(process.execPath, ['--import', 'tsx', ...args], { stdio: 'inherit', env: { ...process.env, BENCH_ROUNDS: process.env.BENCH_ROUNDS ?? '3' } });
    if (run.status !== 0) failed++;
  }
}
mergeResults();
process.stderr.write(`\nbench/RESULTS.md rewritten${failed ? ` (${failed} benchmark(s) failed)` : ''}\n`);
process.exitCode = failed ? 1 : 0;
