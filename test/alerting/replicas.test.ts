import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { AlertManager, type AlertEvent } from '../../lib/index.js';
import { captureLogs, recordingNotifier } from './helpers.js';

const REPLICA = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'replica.ts');

class Replica {
  private buffer = '';
  private waiters: ((line: string) => void)[] = [];
  private stderr = '';
  constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString();
      let at: number;
      while ((at = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, at);
        this.buffer = this.buffer.slice(at + 1);
        this.waiters.shift()?.(line);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => void (this.stderr += chunk.toString()));
    child.once('exit', (code) => {
      for (const waiter of this.waiters.splice(0)) waiter(`exit ${code}: ${this.stderr}`);
    });
  }
  next(): Promise<string> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  async evaluate(metrics: Record<string, number>): Promise<{ triggered: number; escalated: number; resolved: number; active: number }> {
    const answer = this.next();
    this.child.stdin.write(`${JSON.stringify(metrics)}\n`);
    const line = await answer;
    try {
      return JSON.parse(line) as { triggered: number; escalated: number; resolved: number; active: number };
    } catch {
      throw new Error(`replica answered ${line}`);
    }
  }
}

async function receiver(): Promise<{ server: Server; url: string; events: AlertEvent[] }> {
  const events: AlertEvent[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => void (body += chunk.toString()));
    req.on('end', () => {
      events.push(JSON.parse(body) as AlertEvent);
      res.writeHead(204).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  return { server, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/alerts`, events };
}

const sum = (results: { [k: string]: number }[], key: string) => results.reduce((total, r) => total + (r[key] ?? 0), 0);

describe('AlertManager across replicas (shared Redis)', function () {
  this.timeout(60_000);

  it('4 processes evaluating the same incident: one trigger, one escalation, one resolve notification', async () => {
    const hook = await receiver();
    const name = `replicas-${randomBytes(4).toString('hex')}`;
    const replicas = Array.from({ length: 4 }, () => new Replica(spawn(process.execPath, ['--import', 'tsx', REPLICA, process.env.TEST_REDIS_URL as string, name, hook.url], { stdio: ['pipe', 'pipe', 'pipe'] })));
    try {
      assert.deepEqual(await Promise.all(replicas.map((r) => r.next())), ['ready', 'ready', 'ready', 'ready']);
      const fire = await Promise.all(replicas.map((r) => r.evaluate({ cpu: 95 })));
      assert.equal(sum(fire, 'triggered'), 1, 'one replica notifies the trigger');
      assert.ok(fire.every((r) => r.active === 1), 'every replica sees the alert active');
      const lasting = await Promise.all(replicas.map((r) => r.evaluate({ cpu: 96 })));
      assert.equal(sum(lasting, 'triggered'), 0);
      assert.equal(sum(lasting, 'escalated'), 1, 'count 5 of the shared alert escalates it once');
      // Three replicas recover: the fourth still holds the alert active.
      const partial = await Promise.all(replicas.slice(0, 3).map((r) => r.evaluate({ cpu: 10 })));
      assert.equal(sum(partial, 'resolved'), 0);
      const last = await replicas[3]!.evaluate({ cpu: 10 });
      assert.equal(last.resolved, 1);
      const again = await Promise.all(replicas.map((r) => r.evaluate({ cpu: 10 })));
      assert.equal(sum(again, 'resolved'), 0, 'resolved once');
      assert.deepEqual(hook.events.map((e) => `${e.type}:${e.alert.severity}`), ['alert.triggered:high', 'alert.escalated:critical', 'alert.resolved:critical']);
      assert.equal(hook.events[2]!.alert.count, 8);
    } finally {
      for (const replica of replicas) replica.child.stdin.end('exit\n');
      await Promise.all(replicas.map((r) => (r.child.exitCode === null ? once(r.child, 'exit') : undefined)));
      hook.server.close();
    }
  });

  it('a replica that went silent (crashed) stops keeping the alert active after staleAfterMs', async () => {
    const redis = new Redis(process.env.TEST_REDIS_URL as string);
    const name = `stale-${randomBytes(4).toString('hex')}`;
    const rules = [{ name: 'high_cpu', metric: 'cpu', threshold: 80, severity: 'high' as const }];
    const notifier = recordingNotifier();
    const crashed = new AlertManager({ redis, name, rules, anomaly: false, notifier, replicaId: 'a', staleAfterMs: 40 });
    const alive = new AlertManager({ redis, name, rules, anomaly: false, notifier, replicaId: 'b', staleAfterMs: 40 });
    try {
      await crashed.evaluate({ cpu: 95 });
      assert.equal((await alive.evaluate({ cpu: 10 })).resolved.length, 0, 'a holds it');
      assert.equal(alive.activeAlerts().length, 1, 'b sees the shared alert');
      const started = Date.now();
      while (Date.now() - started < 60) await new Promise((resolve) => setImmediate(resolve));
      assert.equal((await alive.evaluate({ cpu: 10 })).resolved.length, 1);
      assert.deepEqual(notifier.events.map((e) => e.type), ['alert.triggered', 'alert.resolved']);
      assert.deepEqual(await redis.keys(`{epk:alerts:${name}}:*`), []);
    } finally {
      await redis.quit();
    }
  });

  it('keeps its keys under one hash tag and logs (does not throw) when Redis is unreachable', async () => {
    const redis = new Redis(process.env.TEST_REDIS_URL as string);
    const name = `keys-${randomBytes(4).toString('hex')}`;
    const alerts = new AlertManager({ redis, name, rules: [{ name: 'x', metric: 'x', threshold: 1, severity: 'low' }], anomaly: false, notifier: recordingNotifier() });
    try {
      await alerts.evaluate({ x: 5 });
      assert.deepEqual(await redis.keys(`{epk:alerts:${name}}:*`), [`{epk:alerts:${name}}:rule:x`]);
    } finally {
      await redis.quit();
    }
    const dead = new Redis({ port: 1, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
    dead.on('error', () => {});
    const notifier = recordingNotifier();
    const offline = new AlertManager({ redis: dead, rules: [{ name: 'x', metric: 'x', threshold: 1, severity: 'low' }], anomaly: false, notifier, storeTimeoutMs: 200 });
    const { result, records } = await captureLogs(() => offline.evaluate({ x: 5 }));
    assert.deepEqual(result.triggered, []);
    assert.ok(records.some((r) => r.message === 'alert state store failed' && r.alert === 'rule:x' && r.code === 'ERR_STORE_UNAVAILABLE'), 'the failure is logged');
    assert.deepEqual(notifier.events, []);
    dead.disconnect();
  });
});
