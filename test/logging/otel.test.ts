/**
 * OpenTelemetry correlation with the real SDK: BasicTracerProvider + SimpleSpanProcessor +
 * InMemorySpanExporter, AsyncLocalStorageContextManager. A first middleware opens the server
 * span the way @opentelemetry/instrumentation-http does (active for the whole request, child of
 * the extracted remote context). Everything on loopback.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, propagation, ROOT_CONTEXT, SpanKind, trace, TraceFlags, type TextMapPropagator } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import * as grpc from '@grpc/grpc-js';
import express, { type NextFunction, type Request, type Response } from 'express';
import request from 'supertest';
import { accessLog, configureLogging, getLogger, propagationHeaders, requestContext, shutdownLogging } from '../../lib/logging/index.js';
import { otelAvailable } from '../../lib/logging/otel.js';
import { startFakeLoggingServer } from './cloud-server.js';
import { captureLogs, type MemoryTransport } from './helpers.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';
const PROJECT = 'otel-project';
const log = getLogger('otel-test');

/** A loopback server that answers with the headers it received. */
async function echoServer(): Promise<{ base: string; server: Server; received: IncomingHttpHeaders[] }> {
  const received: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    received.push(req.headers);
    res.end('ok');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, received };
}

describe('OpenTelemetry correlation (real SDK, in-memory exporter)', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('otel-test');
  let memory: MemoryTransport;
  let echo: Awaited<ReturnType<typeof echoServer>>;

  before(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);
    echo = await echoServer();
  });
  after(async () => {
    trace.disable();
    context.disable();
    propagation.disable();
    await provider.shutdown();
    await new Promise((done) => echo.server.close(done));
  });
  beforeEach(() => {
    exporter.reset();
    echo.received.length = 0;
    memory = captureLogs();
  });

  /** The server span, as instrumentation-http opens it: child of the caller's remote span context. */
  function serverSpan(req: Request, res: Response, next: NextFunction): void {
    const parent = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: PARENT_ID, traceFlags: TraceFlags.SAMPLED, isRemote: true });
    tracer.startActiveSpan(`${req.method} ${req.path}`, { kind: SpanKind.SERVER }, parent, (span) => {
      res.once('finish', () => span.end());
      next();
    });
  }

  function app(): express.Express {
    const application = express();
    application.use(serverSpan, requestContext(), accessLog());
    application.get('/orders/:id', async (req, res) => {
      log.info('in handler', { orderId: req.params.id });
      await new Promise((done) => setTimeout(done, 5));
      await tracer.startActiveSpan('db.query', async (child) => {
        log.info('in child span');
        child.end();
      });
      const outbound = await fetch(echo.base, { headers: propagationHeaders({ 'x-caller': 'orders' }) });
      res.json({ outbound: outbound.status });
    });
    return application;
  }

  const line = (message: string) => {
    const found = memory.records.find((record) => String(record.message).startsWith(message));
    assert.ok(found, `a line "${message}" in ${JSON.stringify(memory.messages())}`);
    return found;
  };
  const spanNamed = (name: string): ReadableSpan => {
    const found = exporter.getFinishedSpans().find((span) => span.name === name);
    assert.ok(found, `span ${name} exported`);
    return found;
  };

  it('the kit found @opentelemetry/api (loaded lazily through require, sharing the ESM copy global)', () => {
    assert.equal(otelAvailable(), true);
  });

  it('request, handler and access-log lines carry the active span ids; a child span gets its own', async () => {
    const response = await request(app()).get('/orders/7').set('traceparent', `00-${TRACE_ID}-${PARENT_ID}-01`).set('X-Request-Id', 'rid-otel');
    assert.equal(response.status, 200);
    const server = spanNamed('GET /orders/7').spanContext();
    const child = spanNamed('db.query').spanContext();
    assert.equal(server.traceId, TRACE_ID);
    assert.equal(spanNamed('GET /orders/7').parentSpanContext?.spanId, PARENT_ID);
    for (const record of [line('in handler'), line('GET /orders/:id 200')]) {
      assert.equal(record.trace_id, TRACE_ID);
      assert.equal(record.span_id, server.spanId);
      assert.equal(record.trace_flags, '01');
      assert.equal(record.requestId, 'rid-otel');
      assert.equal('parent_span_id' in record, false, 'the SDK owns the span tree');
    }
    const inChild = line('in child span');
    assert.equal(inChild.trace_id, TRACE_ID);
    assert.equal(inChild.span_id, child.spanId);
    assert.notEqual(child.spanId, server.spanId);
  });

  it('propagationHeaders() in a span: traceparent names the active span as parent, plus x-request-id and extra', async () => {
    await request(app()).get('/orders/8').set('X-Request-Id', 'rid-out');
    const server = spanNamed('GET /orders/8').spanContext();
    const [headers, more] = echo.received;
    assert.equal(more, undefined, 'one outbound call');
    assert.equal(headers!.traceparent, `00-${server.traceId}-${server.spanId}-01`);
    assert.equal(headers!['x-request-id'], 'rid-out');
    assert.equal(headers!['x-caller'], 'orders');
  });

  it("propagationHeaders() uses the app's registered propagator when there is one", async () => {
    const custom: TextMapPropagator = {
      inject(ctx, carrier, setter) {
        const span = trace.getSpanContext(ctx)!;
        setter.set(carrier, 'traceparent', `00-${span.traceId}-${span.spanId}-01`);
        setter.set(carrier, 'baggage', 'tenant=acme');
      },
      extract: (ctx) => ctx,
      fields: () => ['traceparent', 'baggage'],
    };
    propagation.setGlobalPropagator(custom);
    try {
      await request(app()).get('/orders/9');
    } finally {
      propagation.disable();
    }
    const server = spanNamed('GET /orders/9').spanContext();
    const [headers, more] = echo.received;
    assert.equal(more, undefined, 'one outbound call');
    assert.equal(headers!.baggage, 'tenant=acme');
    assert.equal(headers!.traceparent, `00-${server.traceId}-${server.spanId}-01`);
  });

  it('a throwing propagator: propagationHeaders() still gives the W3C traceparent of the active span', () => {
    propagation.setGlobalPropagator({ inject: () => { throw new Error('broken propagator'); }, extract: (ctx) => ctx, fields: () => [] });
    try {
      tracer.startActiveSpan('broken', (span) => {
        const { traceId, spanId } = span.spanContext();
        assert.deepEqual(propagationHeaders(), { traceparent: `00-${traceId}-${spanId}-01` });
        span.end();
      });
    } finally {
      propagation.disable();
    }
  });

  it('a span outside any request: lines and propagationHeaders() carry it, without x-request-id', () => {
    tracer.startActiveSpan('job', (span) => {
      log.info('job line');
      const headers = propagationHeaders();
      const { traceId, spanId } = span.spanContext();
      assert.deepEqual(headers, { traceparent: `00-${traceId}-${spanId}-01` });
      span.end();
      assert.equal(line('job line').span_id, spanId);
    });
    assert.deepEqual(propagationHeaders(), {}, 'no span, no request: nothing known');
  });

  it('an unsampled span: trace_flags 00', () => {
    const unsampled = new BasicTracerProvider({ sampler: { shouldSample: () => ({ decision: 0 }), toString: () => 'off' } });
    unsampled.getTracer('off').startActiveSpan('off', (span) => {
      log.info('unsampled line');
      span.end();
    });
    const record = line('unsampled line');
    assert.equal(record.trace_flags, '00');
    assert.match(String(record.span_id), /^[0-9a-f]{16}$/);
  });

  it('Cloud transport: logging.googleapis.com/trace, spanId and traceSampled of the span on every line of the request', async function () {
    this.timeout(30_000);
    const fake = await startFakeLoggingServer();
    try {
      configureLogging({
        env: {},
        console: false,
        cloud: { mode: 'api', projectId: PROJECT, resource: { type: 'global' }, apiEndpoint: '127.0.0.1', port: fake.port, sslCreds: grpc.credentials.createInsecure() },
      });
      assert.equal((await request(app()).get('/orders/10')).status, 200);
      assert.equal(await shutdownLogging({ timeoutMs: 20_000 }), true);
      const server = spanNamed('GET /orders/10').spanContext();
      const child = spanNamed('db.query').spanContext();
      const entries = fake.entries();
      const byMessage = (start: string) => {
        const found = entries.find((entry) => String(entry.jsonPayload?.fields?.message?.stringValue ?? '').startsWith(start));
        assert.ok(found, `entry ${start}`);
        return found;
      };
      for (const entry of [byMessage('in handler'), byMessage('GET /orders/:id 200')]) {
        assert.equal(entry.trace, `projects/${PROJECT}/traces/${TRACE_ID}`);
        assert.equal(entry.spanId, server.spanId);
        assert.equal(entry.traceSampled, true);
      }
      assert.equal(byMessage('in child span').spanId, child.spanId);
    } finally {
      configureLogging({ env: {}, console: false, cloud: false });
      await fake.stop();
    }
  });
});

describe('without @opentelemetry/api installed', () => {
  it('logs and propagates the W3C trace of the request on its own (child process where the package cannot be resolved)', function () {
    this.timeout(30_000);
    const script = `
      import Module from 'node:module';
      const resolve = Module._resolveFilename;
      Module._resolveFilename = function (request, ...rest) {
        if (request === '@opentelemetry/api' || request.startsWith('@opentelemetry/api/')) {
          throw Object.assign(new Error("Cannot find module '" + request + "'"), { code: 'MODULE_NOT_FOUND' });
        }
        return resolve.call(this, request, ...rest);
      };
      const { default: express } = await import('express');
      const { default: TransportStream } = await import('winston-transport');
      const logging = await import(${JSON.stringify(`${process.cwd()}/lib/logging/index.ts`)});
      const { otelAvailable } = await import(${JSON.stringify(`${process.cwd()}/lib/logging/otel.ts`)});
      const records = [];
      class Memory extends TransportStream { log(info, done) { records.push({ ...info }); done(); } }
      logging.configureLogging({ env: {}, console: false, transports: [new Memory()] });
      const app = express();
      app.use(logging.requestContext(), logging.accessLog());
      app.get('/x', (_req, res) => { logging.getLogger('x').info('in handler'); res.json(logging.propagationHeaders()); });
      const server = app.listen(0, '127.0.0.1');
      await new Promise((done) => server.once('listening', done));
      const response = await fetch('http://127.0.0.1:' + server.address().port + '/x', { headers: { traceparent: '00-${TRACE_ID}-${PARENT_ID}-01', tracestate: 'rojo=1' } });
      const headers = await response.json();
      await new Promise((done) => server.close(done));
      await logging.shutdownLogging();
      process.stdout.write(JSON.stringify({ available: otelAvailable(), headers, records }));
    `;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd(), encoding: 'utf8', timeout: 30_000 });
    assert.equal(result.status, 0, result.stderr);
    const { available, headers, records } = JSON.parse(result.stdout) as { available: boolean; headers: Record<string, string>; records: Record<string, unknown>[] };
    assert.equal(available, false);
    const handler = records.find((record) => record.message === 'in handler')!;
    const access = records.find((record) => String(record.message).startsWith('GET /x 200'))!;
    assert.ok(handler && access, JSON.stringify(records));
    for (const record of [handler, access]) {
      assert.equal(record.trace_id, TRACE_ID);
      assert.equal(record.parent_span_id, PARENT_ID);
      assert.match(String(record.span_id), /^[0-9a-f]{16}$/);
      assert.notEqual(record.span_id, PARENT_ID);
    }
    assert.equal(headers.traceparent, `00-${TRACE_ID}-${handler.span_id}-01`);
    assert.equal(headers.tracestate, 'rojo=1');
    assert.equal(headers['x-request-id'], handler.requestId);
  });
});
