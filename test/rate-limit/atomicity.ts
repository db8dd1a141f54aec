/** Runs 4 OS processes × 200 concurrent checks per algorithm on one key (limit 100). */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { uniqueName } from './helpers.js';

const WORKER = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'check-worker.ts');

export async function runAtomicity(target: string, processes = 4, count = 200, limit = 100): Promise<Record<string, number>> {
  const prefix = uniqueName('atomic');
  const children = Array.from({ length: processes }, () =>
    spawn(process.execPath, ['--import', 'tsx', WORKER, target, prefix, String(count), String(limit)], { stdio: ['pipe', 'pipe', 'pipe'] }));
  const outputs = children.map((child) => {
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    const ready = new Promise<void>((resolve, reject) => {
      const onData = () => {
        if (out.includes('ready\n')) {
          child.stdout.off('data', onData);
          resolve();
        }
      };
      child.stdout.on('data', onData);
      child.once('exit', (code) => reject(new Error(`worker exited early (${code}): ${err}`)));
    });
    const done = new Promise<Record<string, number>>((resolve, reject) => {
      child.once('exit', (code) => {
        if (code !== 0) reject(new Error(`worker failed (${code}): ${err}`));
        else resolve(JSON.parse(out.split('\n').filter(Boolean).pop()!) as Record<string, number>);
      });
    });
    done.catch(() => {});
    return { child, ready, done };
  });
  await Promise.all(outputs.map((o) => o.ready));
  for (const { child } of outputs) child.stdin.end('go\n');
  const results = await Promise.all(outputs.map((o) => o.done));
  const totals: Record<string, number> = {};
  for (const result of results) for (const [algorithm, allowed] of Object.entries(result)) totals[algorithm] = (totals[algorithm] ?? 0) + allowed;
  return totals;
}
