import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

describe('rate-limit: memory store lifecycle', function () {
  this.timeout(30_000);
  it('leaves no timer keeping the process alive (a child using it exits by itself)', async () => {
    const script = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'memory-exit.mts');
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const started = Date.now();
    const code = await new Promise<number | null>((resolve) => {
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('exit', (exitCode) => {
        clearTimeout(killer);
        resolve(exitCode);
      });
    });
    assert.equal(code, 0, `the child did not exit on its own (${Date.now() - started} ms)`);
    const { intervals, refTimers } = JSON.parse(out.trim()) as { intervals: number; refTimers: number };
    assert.ok(intervals >= 1, 'the store did start its sweep timer, so the test is meaningful');
    assert.equal(refTimers, 0, 'no referenced timer is left');
  });
});
