import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { Express, NextFunction, Request, Response } from 'express';
import express5 from 'express';
import { Registry } from 'prom-client';
import request from 'supertest';
import {
  AlertManager,
  collectProcessMetrics,
  createProcessSampler,
  requestMetrics,
  startAlertEvaluator,
  type AlertEvaluation,
} from '../../lib/alerting/index.js';
import { errorHandler, HttpError } from '../../lib/errors/index.js';
import { registeredClosers } from '../../lib/shutdown/index.js';
import { forEachExpress } from '../support/express.js';
import { recordingNotifier } from './helpers.js';

function app(create: () => Express, registry: Registry): Express {
  const server = create();
  server.use(requestMetrics({ registry }));
  server.get('/ok', (_req, res) => void res.send('ok'));
  server.get('/fail', (_req: Request, _res: Response, next: NextFunction) => next(new HttpError(500, 'x')));
  server.use(errorHandler({ onServerError: () => {} }));
  return server;
}

async function hit(target: Express, path: string, times: number): Promise<void> {
  await Promise.all(Array.from({ length: times }, () => request(target).get(path)));
}

forEachExpress('startAlertEvaluator', ({ create }) => {
  it('turns the request error rate of each interval into alerts, and resolves them', async () => {
    const registry = new Registry();
    const target = app(create, registry);
    await hit(target, '/ok', 5); // before the evaluator starts: not part of its first interval
    const notifier = recordingNotifier();
    const manager = new AlertManager({ notifier, anomaly: false });
    const seen: Record<string, number | undefined>[] = [];
    const evaluator = startAlertEvaluator({ manager, registry, intervalMs: 60_000, processMetrics: false, onEvaluation: (_r, metrics) => seen.push(metrics) });
    try {
      await hit(target, '/ok', 10);
      await hit(target, '/fail', 10);
      const breach = await evaluator.evaluateNow();
      assert.equal(seen[0]?.errorRate, 0.5);
      assert.ok((seen[0]?.latencyMs ?? -1) >= 0);
      assert.deepEqual(breach.triggered.map((a) => a.id), ['rule:high_error_rate']);
      await hit(target, '/ok', 20);
      const healthy = await evaluator.evaluateNow();
      assert.equal(seen[1]?.errorRate, 0);
      assert.deepEqual(healthy.resolved.map((a) => a.id), ['rule:high_error_rate']);
      const idle = await evaluator.evaluateNow();
      assert.equal(seen[2]?.errorRate, 0, 'no traffic: error rate 0');
      assert.equal(seen[2]?.requestRate, 0);
      assert.deepEqual(idle.triggered, []);
      assert.deepEqual(notifier.events.map((e) => e.type), ['alert.triggered', 'alert.resolved']);
    } finally {
      await evaluator.stop();
    }
  });
});

describe('startAlertEvaluator lifecycle', () => {
  it('evaluates on its timer, adds process and extra metrics, and stops (unregistering from shutdown)', async () => {
    const manager = new AlertManager({ notifier: recordingNotifier(), anomaly: false, rules: [{ name: 'deep_queue', metric: 'queueDepth', threshold: 100, severity: 'high' }] });
    let resolveFirst!: (value: [AlertEvaluation, Record<string, number | undefined>]) => void;
    const first = new Promise<[AlertEvaluation, Record<string, number | undefined>]>((resolve) => (resolveFirst = resolve));
    const evaluator = startAlertEvaluator({
      manager,
      registry: new Registry(),
      intervalMs: 30,
      extraMetrics: async () => ({ queueDepth: 500 }),
      onEvaluation: (result, metrics) => resolveFirst([result, metrics]),
    });
    assert.ok(registeredClosers().some((c) => c.name === 'alert evaluator' && c.phase === 'app'));
    const [result, metrics] = await first;
    assert.deepEqual(result.triggered.map((a) => a.id), ['rule:deep_queue']);
    assert.ok(typeof metrics.cpu === 'number' && metrics.cpu >= 0 && metrics.cpu <= 100);
    assert.ok(typeof metrics.memory === 'number' && metrics.memory > 0 && metrics.memory <= 100);
    await evaluator.stop();
    assert.ok(!registeredClosers().some((c) => c.name === 'alert evaluator'));
  });

  it('a failing extraMetrics rejects that evaluation only; the next one runs', async () => {
    let calls = 0;
    const evaluator = startAlertEvaluator({
      manager: new AlertManager({ notifier: recordingNotifier() }),
      registry: new Registry(),
      intervalMs: 60_000,
      extraMetrics: () => {
        calls++;
        if (calls === 1) throw new Error('queue unreachable');
        return { queueDepth: 1 };
      },
    });
    await assert.rejects(evaluator.evaluateNow(), /queue unreachable/);
    const second = await evaluator.evaluateNow();
    assert.ok(Array.isArray(second.active));
    await evaluator.stop();
  });

  it('rejects bad options with a ConfigError', () => {
    assert.throws(() => startAlertEvaluator({} as never), { code: 'ERR_CONFIG_INVALID', message: /manager/ });
    assert.throws(() => startAlertEvaluator({ manager: new AlertManager(), intervalMs: 0 }), { code: 'ERR_CONFIG_INVALID', message: /intervalMs/ });
  });
});

describe('process metrics', () => {
  it('reports CPU % from cpuUsage deltas and memory % of the available memory', () => {
    const sample = createProcessSampler();
    sample();
    // Busy until this process has used 100 ms of CPU (wall time varies on a shared machine).
    const started = process.hrtime.bigint();
    const cpuStart = process.cpuUsage();
    const giveUp = Date.now() + 5000;
    let used = 0;
    while (used < 100_000 && Date.now() < giveUp) {
      const delta = process.cpuUsage(cpuStart);
      used = delta.user + delta.system;
    }
    const busy = sample();
    const wallMicros = Number(process.hrtime.bigint() - started) / 1000;
    const atLeast = (used / wallMicros / busy.cpuCores) * 100;
    assert.ok(busy.cpu > 0 && busy.cpu <= 100, `cpu ${busy.cpu}`);
    assert.ok(busy.cpu >= atLeast * 0.5, `cpu ${busy.cpu}%, this loop alone used ${atLeast.toFixed(1)}%`);
    assert.ok(busy.memory > 0 && busy.memory <= 100);
    assert.ok(busy.memoryLimitBytes >= busy.rssBytes);
    assert.ok(busy.cpuCores > 0);
    const shared = collectProcessMetrics();
    assert.ok(shared.cpu >= 0 && shared.cpu <= 100);
  });
});

describe('no timer keeps the process alive', () => {
  it('a process with a memory SessionManager and a running evaluator exits by itself', async function () {
    this.timeout(20_000);
    const script = `
      const { SessionManager } = await import('./lib/session/index.ts');
      const { AlertManager, startAlertEvaluator } = await import('./lib/alerting/index.ts');
      const sessions = new SessionManager({ redis: false, ttlSeconds: 5 });
      await sessions.create('u');
      startAlertEvaluator({ manager: new AlertManager(), intervalMs: 100 });
      console.log('started');
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd(), env: { ...process.env, REDIS_URL: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(-1);
      }, 15_000);
      child.once('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    assert.equal(code, 0, output);
    assert.match(output, /started/);
  });
});

describe('startAlertEvaluator({ dialect: "opentelemetry" })', () => {
  it('reads requests, 5xx errors and latency from http_server_request_duration_seconds', async () => {
    const registry = new Registry();
    const server = (() => {
      const target = express5();
      target.use(requestMetrics({ registry, dialect: 'opentelemetry' }));
      target.get('/ok', (_req, res) => void res.send('ok'));
      target.get('/missing', (_req, res) => void res.status(404).send('no'));
      target.get('/fail', (_req: Request, _res: Response, next: NextFunction) => next(new HttpError(500, 'x')));
      target.use(errorHandler({ onServerError: () => {} }));
      return target;
    })();
    const seen: Record<string, number | undefined>[] = [];
    const evaluator = startAlertEvaluator({ manager: new AlertManager({ notifier: recordingNotifier(), anomaly: false }), registry, dialect: 'opentelemetry', intervalMs: 60_000, processMetrics: false, onEvaluation: (_r, metrics) => seen.push(metrics) });
    try {
      await hit(server, '/ok', 6);
      await hit(server, '/missing', 2);
      await hit(server, '/fail', 2);
      const result = await evaluator.evaluateNow();
      assert.equal(seen[0]?.errorRate, 0.2, '2 of 10: 4xx are not errors');
      assert.ok((seen[0]?.latencyMs ?? -1) >= 0);
      assert.deepEqual(result.triggered.map((a) => a.id), ['rule:high_error_rate']);
    } finally {
      await evaluator.stop();
    }
  });
});
