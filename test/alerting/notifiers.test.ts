import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AlertManager, loggerNotifier, webhookNotifier, type AlertEvent } from '../../lib/alerting/index.js';
import { freePort } from '../support/redis-server.js';
import { captureLogs } from './helpers.js';

interface Received {
  headers: IncomingMessage['headers'];
  body: AlertEvent;
}

/** A webhook receiver on 127.0.0.1 answering with the statuses given, then 200. */
async function receiver(statuses: number[] = []): Promise<{ url: string; received: Received[]; attempts: () => number; close: () => Promise<void> }> {
  const received: Received[] = [];
  let attempts = 0;
  const server: Server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      const status = statuses[attempts++] ?? 200;
      if (status === 200) received.push({ headers: req.headers, body: JSON.parse(text) as AlertEvent });
      res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/T000/SECRET-TOKEN`,
    received,
    attempts: () => attempts,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

describe('webhookNotifier', () => {
  it('POSTs the triggered and resolved events as JSON to a loopback receiver', async () => {
    const hook = await receiver();
    try {
      const alerts = new AlertManager({ notifier: webhookNotifier({ url: hook.url, headers: { authorization: 'Bearer hook-secret' } }), anomaly: false, source: 'api' });
      await alerts.evaluate({ errorRate: 0.5 });
      await alerts.evaluate({ errorRate: 0.5 });
      await alerts.evaluate({ errorRate: 0 });
      assert.equal(hook.received.length, 2);
      const [triggered, resolved] = hook.received;
      assert.equal(triggered!.headers['content-type'], 'application/json');
      assert.equal(triggered!.headers.authorization, 'Bearer hook-secret');
      assert.equal(triggered!.body.type, 'alert.triggered');
      assert.equal(triggered!.body.source, 'api');
      assert.deepEqual(
        { id: triggered!.body.alert.id, severity: triggered!.body.alert.severity, value: triggered!.body.alert.value, threshold: triggered!.body.alert.threshold, count: triggered!.body.alert.count },
        { id: 'rule:high_error_rate', severity: 'critical', value: 0.5, threshold: 0.05, count: 1 },
      );
      assert.equal(resolved!.body.type, 'alert.resolved');
      assert.equal(resolved!.body.alert.count, 2);
      assert.ok(Date.parse(resolved!.body.sentAt) > 0);
    } finally {
      await hook.close();
    }
  });

  it('retries a 503 and a 429 with backoff, then delivers', async () => {
    const hook = await receiver([503, 429]);
    try {
      const notifier = webhookNotifier({ url: hook.url, retries: 2, backoffMs: 20 });
      const alerts = new AlertManager({ notifier, anomaly: false });
      const { records } = await captureLogs(() => alerts.evaluate({ cpu: 99 }));
      assert.equal(hook.attempts(), 3);
      assert.equal(hook.received.length, 1);
      assert.equal(records.filter((r) => r.message === 'alert notifier failed').length, 0);
    } finally {
      await hook.close();
    }
  });

  it('does not retry a 400, and logs the failure without the URL path', async () => {
    const hook = await receiver([400, 400, 400]);
    try {
      const alerts = new AlertManager({ notifier: webhookNotifier({ url: hook.url, retries: 2, backoffMs: 10 }), anomaly: false });
      const { records } = await captureLogs(() => alerts.evaluate({ cpu: 99 }));
      assert.equal(hook.attempts(), 1);
      const failure = records.find((r) => r.message === 'alert notifier failed');
      assert.ok(failure);
      assert.equal(failure.code, 'ERR_NOTIFIER_FAILED');
      assert.match(String(failure.error), /HTTP 400/);
      assert.ok(!JSON.stringify(records).includes('SECRET-TOKEN'), 'the webhook path (a secret) is never logged');
    } finally {
      await hook.close();
    }
  });

  it('webhook down (closed port): logged, no throw, bounded time', async () => {
    const port = await freePort();
    const alerts = new AlertManager({ notifier: webhookNotifier({ url: `http://127.0.0.1:${port}/hook`, retries: 2, backoffMs: 50, timeoutMs: 500 }), anomaly: false });
    const started = Date.now();
    const { result, records } = await captureLogs(() => alerts.evaluate({ cpu: 99 }));
    const elapsed = Date.now() - started;
    assert.equal(result.triggered.length, 1, 'the alert is still active');
    assert.ok(elapsed < 3000, `took ${elapsed} ms`);
    const failure = records.find((r) => r.message === 'alert notifier failed');
    assert.ok(failure);
    assert.match(String(failure.error), /ECONNREFUSED/);
  });

  it('times out a receiver that never answers, per attempt', async () => {
    const server = createServer(() => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const alerts = new AlertManager({ notifier: webhookNotifier({ url: `http://127.0.0.1:${port}/`, retries: 1, backoffMs: 10, timeoutMs: 150 }), anomaly: false });
      const started = Date.now();
      const { records } = await captureLogs(() => alerts.evaluate({ cpu: 99 }));
      assert.ok(Date.now() - started < 2000);
      assert.match(String(records.find((r) => r.message === 'alert notifier failed')?.error), /timed out after 150 ms/);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('reads ALERT_WEBHOOK_URL and rejects bad URLs without echoing them', () => {
    assert.equal(webhookNotifier({ env: { ALERT_WEBHOOK_URL: 'http://127.0.0.1:9/x' } }).name, 'webhook');
    assert.throws(() => webhookNotifier({ env: {} }), { code: 'ERR_CONFIG_INVALID', message: /ALERT_WEBHOOK_URL/ });
    assert.throws(() => webhookNotifier({ url: 'ftp://127.0.0.1/secret-part', env: {} }), (error: Error) => /http or https/.test(error.message) && !error.message.includes('secret-part'));
    assert.throws(() => webhookNotifier({ url: 'not a url secret-part', env: {} }), (error: Error) => !error.message.includes('secret-part'));
    assert.throws(() => webhookNotifier({ url: 'http://127.0.0.1/', retries: -1 }), { code: 'ERR_CONFIG_INVALID', message: /retries/ });
    assert.throws(() => webhookNotifier({ url: 'http://127.0.0.1/', env: { ALERT_WEBHOOK_TIMEOUT_MS: 'soon' } }), { code: 'ERR_CONFIG_INVALID', message: /ALERT_WEBHOOK_TIMEOUT_MS/ });
  });
});

describe('loggerNotifier', () => {
  it('logs by severity and logs resolutions at info', async () => {
    const lines: [string, string, unknown][] = [];
    const logger = {
      error: (message: string, meta?: unknown) => lines.push(['error', message, meta]),
      warn: (message: string, meta?: unknown) => lines.push(['warn', message, meta]),
      info: (message: string, meta?: unknown) => lines.push(['info', message, meta]),
    };
    const alerts = new AlertManager({
      notifier: loggerNotifier(logger),
      anomaly: false,
      rules: [
        { name: 'a', metric: 'a', threshold: 1, severity: 'critical' },
        { name: 'b', metric: 'b', threshold: 1, severity: 'medium' },
        { name: 'c', metric: 'c', threshold: 1, severity: 'low' },
      ],
    });
    await alerts.evaluate({ a: 2, b: 2, c: 2 });
    await alerts.evaluate({ a: 0 });
    assert.deepEqual(lines.map(([level]) => level), ['error', 'warn', 'info', 'info']);
    assert.match(lines[3]![1], /Alert resolved: a after 1 occurrence/);
  });

  it('defaults to the kit logger (getLogger("alerting"))', async () => {
    const alerts = new AlertManager({ anomaly: false });
    const { records } = await captureLogs(() => alerts.evaluate({ memory: 99 }));
    const line = records.find((r) => String(r.message).startsWith('Alert high'));
    assert.ok(line);
    assert.equal(line.logger, 'alerting');
    assert.equal(line.level.includes('error'), true);
  });
});
