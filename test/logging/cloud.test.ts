import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIP, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import express from 'express';
import request from 'supertest';
import { accessLog, configureLogging, getLogger, getLoggingState, requestContext, shutdownLogging, type CloudLoggingOptions } from '../../lib/logging/index.js';
import { startFakeLoggingServer, type FakeLoggingServer } from './cloud-server.js';
import { MemoryTransport } from './helpers.js';

const resolveModule = createRequire(import.meta.url).resolve;
const PROJECT = 'test-project';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

/** google.protobuf.Struct/Value (as proto-loader decodes them) → plain JSON. */
function fromValue(value: any): unknown {
  switch (value?.kind) {
    case 'structValue':
      return fromStruct(value.structValue);
    case 'listValue':
      return (value.listValue.values ?? []).map(fromValue);
    case 'nullValue':
      return null;
    default:
      return value?.[value?.kind];
  }
}
function fromStruct(struct: any): Record<string, unknown> {
  return Object.fromEntries(Object.entries(struct?.fields ?? {}).map(([key, value]) => [key, fromValue(value)]));
}

interface Entry {
  severity: string;
  message: string;
  metadata: Record<string, any>;
  raw: Record<string, any>;
}
function userEntries(server: FakeLoggingServer): Entry[] {
  return server
    .entries()
    .map((raw) => {
      const payload = fromStruct(raw.jsonPayload);
      return { severity: raw.severity, message: String(payload.message ?? ''), metadata: (payload.metadata ?? {}) as Record<string, any>, raw };
    })
    .filter((entry) => !('logging.googleapis.com/diagnostic' in fromStruct(entry.raw.jsonPayload)));
}

function cloudOptions(port: number, extra: Partial<CloudLoggingOptions> = {}): CloudLoggingOptions {
  return {
    mode: 'api',
    projectId: PROJECT,
    resource: { type: 'global' },
    labels: { service: 'orders', env: 'test' },
    apiEndpoint: '127.0.0.1',
    port,
    sslCreds: grpc.credentials.createInsecure(),
    ...extra,
  };
}

/** Records the address of every outgoing TCP connection and DNS lookup made while it runs. */
function recordConnections(): { hosts: string[]; stop(): void } {
  const hosts: string[] = [];
  const onSocket = (message: unknown) => {
    const socket = (message as { socket: Socket }).socket;
    socket.once('lookup', (_error: unknown, _address: unknown, _family: unknown, host: string) => hosts.push(host));
    socket.once('connect', () => hosts.push(String(socket.remoteAddress)));
  };
  subscribe('net.client.socket', onSocket);
  return { hosts, stop: () => unsubscribe('net.client.socket', onSocket) };
}
const LOOPBACK = (host: string) => host === 'localhost' || (isIP(host) === 4 && host.startsWith('127.')) || host === '::1' || host === '::ffff:127.0.0.1';

function app(): express.Express {
  const application = express();
  application.use(requestContext(), accessLog());
  application.get('/orders/:id', (req, res) => {
    getLogger('orders').warn('order looked up', { orderId: req.params.id, huge: 10n ** 30n });
    res.json({ id: req.params.id });
  });
  return application;
}

describe('Google Cloud transport (real LoggingWinston against a local gRPC Logging API)', function () {
  this.timeout(60_000);
  const failures: unknown[] = [];
  const onFailure = (error: unknown) => failures.push(error);
  let connections: ReturnType<typeof recordConnections>;
  before(() => {
    process.on('unhandledRejection', onFailure);
    process.on('uncaughtException', onFailure);
    connections = recordConnections();
  });
  after(async () => {
    connections.stop();
    process.off('unhandledRejection', onFailure);
    process.off('uncaughtException', onFailure);
    configureLogging({ env: {}, console: false, cloud: false });
  });

  it('entries arrive with severity, labels, httpRequest and trace; every line of the request carries the trace', async () => {
    const server = await startFakeLoggingServer();
    try {
      configureLogging({ env: {}, console: false, cloud: cloudOptions(server.port) });
      assert.equal(getLoggingState().projectId, PROJECT);
      const response = await request(app())
        .get('/orders/17?access_token=secret-tok')
        .set('traceparent', `00-${TRACE_ID}-00f067aa0ba902b7-01`)
        .set('User-Agent', 'cloud-test')
        .set('X-Request-Id', 'rid-cloud');
      assert.equal(response.status, 200);
      getLogger('orders').log('critical', 'outside any request');
      assert.equal(await shutdownLogging({ timeoutMs: 20_000 }), true);

      const entries = userEntries(server);
      const handler = entries.find((entry) => entry.message === 'order looked up')!;
      const access = entries.find((entry) => entry.message.startsWith('GET /orders/:id 200'))!;
      const critical = entries.find((entry) => entry.message === 'outside any request')!;
      assert.ok(handler && access && critical, JSON.stringify(entries.map((entry) => entry.message)));
      assert.equal(handler.severity, 'WARNING');
      assert.equal(access.severity, 'INFO');
      assert.equal(critical.severity, 'CRITICAL');
      for (const entry of [handler, access, critical]) {
        assert.deepEqual(entry.raw.labels, { service: 'orders', env: 'test' });
        assert.equal(entry.raw.logName, `projects/${PROJECT}/logs/winston_log`);
        assert.equal(entry.raw.resource.type, 'global');
      }
      // The request's own span id (not the caller's parent-id, which is its parent_span_id).
      const spanId = handler.raw.spanId;
      assert.match(spanId, /^[0-9a-f]{16}$/);
      assert.notEqual(spanId, '00f067aa0ba902b7');
      for (const entry of [handler, access]) {
        assert.equal(entry.raw.trace, `projects/${PROJECT}/traces/${TRACE_ID}`);
        assert.equal(entry.raw.spanId, spanId);
        assert.equal(entry.raw.traceSampled, true);
        assert.equal(entry.metadata.requestId, 'rid-cloud');
        assert.equal(entry.metadata.trace_id, TRACE_ID);
        assert.equal(entry.metadata.span_id, spanId);
        assert.equal(entry.metadata.trace_flags, '01');
        assert.equal(entry.metadata.parent_span_id, '00f067aa0ba902b7');
      }
      assert.equal(critical.raw.trace ?? '', '');
      assert.equal(handler.metadata.orderId, '17');
      assert.equal(handler.metadata.huge, (10n ** 30n).toString());
      const http = access.raw.httpRequest;
      assert.equal(http.requestMethod, 'GET');
      assert.equal(http.requestUrl, '/orders/17?access_token=[REDACTED]');
      assert.equal(http.status, 200);
      assert.equal(http.userAgent, 'cloud-test');
      assert.equal(http.protocol, 'HTTP/1.1');
      assert.equal(http.responseSize, String(Buffer.byteLength('{"id":"17"}')));
      assert.ok(http.latency && 'nanos' in http.latency);
      assert.ok(!JSON.stringify(server.requests).includes('secret-tok'));
    } finally {
      await server.stop();
    }
  });

  it('X-Cloud-Trace-Context works too (its decimal span id → the 16 hex digits of parent_span_id)', async () => {
    const server = await startFakeLoggingServer();
    try {
      configureLogging({ env: {}, console: false, cloud: cloudOptions(server.port) });
      await request(app()).get('/orders/1').set('X-Cloud-Trace-Context', `${TRACE_ID}/123;o=0`);
      await shutdownLogging({ timeoutMs: 20_000 });
      const access = userEntries(server).find((entry) => entry.message.startsWith('GET'))!;
      assert.equal(access.raw.trace, `projects/${PROJECT}/traces/${TRACE_ID}`);
      assert.match(access.raw.spanId, /^[0-9a-f]{16}$/);
      assert.notEqual(access.raw.spanId, '000000000000007b');
      assert.equal(access.metadata.parent_span_id, '000000000000007b');
      assert.equal(access.raw.traceSampled ?? false, false);
    } finally {
      await server.stop();
    }
  });

  it('with the API down the app keeps answering and logging elsewhere; shutdownLogging() delivers what was pending once it is back', async () => {
    const probe = await startFakeLoggingServer();
    const port = probe.port;
    await probe.stop(); // nothing listens on this port now
    const memory = new MemoryTransport();
    configureLogging({ env: {}, console: false, cloud: cloudOptions(port), transports: [memory] });
    const application = app();
    for (let i = 0; i < 20; i += 1) {
      const response = await request(application).get(`/orders/${i}`);
      assert.equal(response.status, 200);
    }
    assert.equal(memory.records.filter((record) => record.logger === 'access').length, 20, 'other transports unaffected');
    const cloud = getLoggingState().cloud!;
    assert.ok(cloud.pendingEntries > 0, 'entries wait for the API');
    assert.equal(await shutdownLogging({ timeoutMs: 300 }), false, 'a bounded shutdown reports what it could not flush');

    const server = await startFakeLoggingServer(port);
    try {
      assert.equal(await shutdownLogging({ timeoutMs: 30_000 }), true);
      const messages = userEntries(server).map((entry) => entry.message);
      assert.equal(messages.filter((message) => message === 'order looked up').length, 20);
      assert.equal(messages.filter((message) => message.startsWith('GET /orders/:id 200')).length, 20);
      assert.equal(cloud.pendingEntries, 0);
      assert.deepEqual(failures, []);
    } finally {
      await server.stop();
    }
  });

  it('shutdownLogging() waits for entries still in flight', async () => {
    const server = await startFakeLoggingServer(0, { delayMs: 400 });
    try {
      configureLogging({ env: {}, console: false, cloud: cloudOptions(server.port) });
      getLogger('slow').info('in flight');
      assert.equal(await shutdownLogging({ timeoutMs: 20_000 }), true);
      assert.deepEqual(userEntries(server).map((entry) => entry.message), ['in flight']);
    } finally {
      await server.stop();
    }
  });

  it('contacted nothing outside loopback, and nothing escaped as an unhandled error', () => {
    assert.ok(connections.hosts.length > 0, 'connections were recorded');
    assert.deepEqual(connections.hosts.filter((host) => !LOOPBACK(host)), []);
    assert.deepEqual(failures, []);
  });
});

describe('Google Cloud transport, structured JSON on stdout (Cloud Run / GKE)', () => {
  it('writes one JSON object per line with severity, httpRequest, trace and labels', function () {
    this.timeout(30_000);
    const dir = mkdtempSync(join(tmpdir(), 'epk-cloudstdout-'));
    const file = join(dir, 'script.mts');
    writeFileSync(
      file,
      `
      import express from '${resolveModule('express')}';
      import request from '${resolveModule('supertest')}';
      import { accessLog, configureLogging, getLogger, requestContext, shutdownLogging } from '${process.cwd()}/lib/logging/index.js';
      configureLogging({ env: { ENABLE_CLOUD_LOGGING: 'true' }, cloud: { projectId: 'run-project', labels: { service: 'api' } } });
      const app = express();
      app.use(requestContext(), accessLog());
      app.get('/x', (_req, res) => { getLogger('x').error('handler failed', { code: 7 }); res.status(503).send('no'); });
      await request(app).get('/x').set('X-Cloud-Trace-Context', '${TRACE_ID}/1;o=1');
      await shutdownLogging();
    `,
    );
    const result = spawnSync(process.execPath, ['--import', 'tsx', file], {
      cwd: process.cwd(),
      env: { PATH: process.env.PATH ?? '', METADATA_SERVER_DETECTION: 'none' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(result.status, 0, result.stderr);
    const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line));
    const failed = lines.find((line) => line.message === 'handler failed');
    const access = lines.find((line) => String(line.message).startsWith('GET /x 503'));
    assert.ok(failed && access, result.stdout);
    assert.equal(failed.severity, 'ERROR');
    assert.equal(access.severity, 'INFO');
    assert.deepEqual(access['logging.googleapis.com/labels'], { service: 'api' });
    assert.equal(access['logging.googleapis.com/trace'], `projects/run-project/traces/${TRACE_ID}`);
    assert.equal(failed['logging.googleapis.com/trace'], `projects/run-project/traces/${TRACE_ID}`);
    assert.equal(access.httpRequest.status, 503);
    assert.match(access.httpRequest.latency, /^\d+(\.\d+)?s$/);
    assert.equal(result.stdout.split('\n').filter((line) => line.includes('handler failed')).length, 1, 'no duplicate console output');
  });
});
