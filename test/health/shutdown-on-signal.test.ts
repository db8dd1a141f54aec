import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { healthRouter, ConfigError } from '../../lib/index.js';

const APP = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'signal-app.ts');

function waitForLine(child: ChildProcessWithoutNullStreams, pattern: RegExp, output: { text: string }): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = pattern.exec(output.text);
      if (!match) return;
      child.stdout.off('data', check);
      child.off('exit', onExit);
      resolve(match);
    };
    const onExit = (code: number | null) => reject(new Error(`child exited (${code}) before ${pattern}: ${output.text}`));
    child.stdout.on('data', check);
    child.once('exit', onExit);
    check();
  });
}

async function status(port: number, path: string): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(2000) });
  await response.body?.cancel();
  return response.status;
}

describe('healthRouter().shutdownOnSignal: the Kubernetes shutdown order (real child process)', function () {
  this.timeout(30_000);

  it('on SIGTERM: readiness 503 first while still serving, then the drain lets the in-flight request finish, exit 0', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', APP, '1500'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const output = { text: '' };
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => void (output.text += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    try {
      const port = Number((await waitForLine(child, /listening (\d+)\n/, output))[1]);
      assert.equal(await status(port, '/health/readyz'), 200);
      const slow = fetch(`http://127.0.0.1:${port}/slow`, { signal: AbortSignal.timeout(10_000) });
      await waitForLine(child, /slow-started\n/, output);
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      // Bounded polling: the signal is handled asynchronously in the child.
      let ready = 200;
      for (let i = 0; i < 100 && ready === 200; i++) ready = await status(port, '/health/readyz');
      assert.equal(ready, 503, 'readiness turns 503 after SIGTERM');
      assert.equal(await status(port, '/health/livez'), 200, 'still accepting during the load-balancer delay');
      assert.doesNotMatch(output.text, /report/, 'the drain has not run yet');
      child.stdin.write('release\n');
      const answer = await slow;
      assert.equal(answer.status, 200);
      assert.equal(await answer.text(), 'finished');
      const [code] = await exited;
      assert.equal(code, 0, stderr);
      assert.match(output.text, /report \{"drained":true,"failures":0\}/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('shutdown() runs the flow once (later calls join it) and bad options are a ConfigError', async () => {
    const health = healthRouter({ redis: false, env: {} });
    const app = express().use('/health', health);
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    assert.throws(() => health.shutdownOnSignal(server, { readinessDelayMs: -5, signals: ['TERM' as NodeJS.Signals] }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /readinessDelayMs/);
      assert.match(error.message, /signals/);
      return true;
    });
    const handle = health.shutdownOnSignal(server, { readinessDelayMs: 0, exit: false, signals: ['SIGUSR2'] });
    const first = handle.shutdown();
    assert.equal(handle.shutdown(), first);
    assert.equal((await health.readiness()).status, 'shutting_down');
    const report = await first;
    assert.equal(report.drained, true);
    assert.equal(server.listening, false);
    handle.dispose();
  });
});
