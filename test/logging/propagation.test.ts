import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
import { accessLog, getLogger, propagationHeaders, requestContext, requestTraceFrom, runWithLogContext } from '../../lib/logging/index.js';
import * as root from '../../lib/index.js';
import { captureLogs, type MemoryTransport } from './helpers.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';

function listen(app: express.Express): Promise<{ server: Server; base: string }> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve({ server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
  });
}

describe('propagationHeaders() without an OpenTelemetry SDK', () => {
  let memory: MemoryTransport;
  let downstream: { server: Server; base: string };
  const seen: Record<string, string | undefined>[] = [];

  before(async () => {
    // The next service: it reads the headers and logs in its own request context.
    const app = express();
    app.use(requestContext(), accessLog());
    app.get('/billing', (req, res) => {
      seen.push({ traceparent: req.get('traceparent'), tracestate: req.get('tracestate'), requestId: req.get('x-request-id'), tenant: req.get('x-tenant') });
      getLogger('billing').info('billing line');
      res.json({ ok: true });
    });
    downstream = await listen(app);
  });
  after(() => new Promise((done) => downstream.server.close(done)));
  beforeEach(() => {
    memory = captureLogs();
    seen.length = 0;
  });

  function upstream(): express.Express {
    const app = express();
    app.use(requestContext());
    app.get('/orders', async (_req, res) => {
      getLogger('orders').info('orders line');
      const response = await fetch(`${downstream.base}/billing`, { headers: propagationHeaders({ 'x-tenant': 'acme' }) });
      res.status(response.status).end();
    });
    return app;
  }
  const line = (message: string) => memory.records.find((record) => record.message === message)!;

  it('a real outbound call carries traceparent (this request as parent), tracestate and x-request-id; the next service joins the trace', async () => {
    const response = await request(upstream()).get('/orders').set('traceparent', `00-${TRACE_ID}-${PARENT_ID}-01`).set('tracestate', 'rojo=1,congo=2').set('X-Request-Id', 'rid-up');
    assert.equal(response.status, 200);
    const orders = line('orders line');
    const billing = line('billing line');
    assert.ok(orders && billing);
    assert.deepEqual(seen, [{ traceparent: `00-${TRACE_ID}-${orders.span_id}-01`, tracestate: 'rojo=1,congo=2', requestId: 'rid-up', tenant: 'acme' }]);
    assert.equal(billing.trace_id, TRACE_ID, 'one trace across both services');
    assert.equal(billing.parent_span_id, orders.span_id, "the upstream request's span is the parent");
    assert.notEqual(billing.span_id, orders.span_id);
    assert.equal(billing.requestId, 'rid-up', 'the request id follows the call');
  });

  it('a request that came without a trace propagates the new trace it started (unsampled)', async () => {
    await request(upstream()).get('/orders');
    const orders = line('orders line');
    assert.deepEqual(seen.map((headers) => headers.traceparent), [`00-${orders.trace_id}-${orders.span_id}-00`]);
    assert.equal(seen[0]!.tracestate, undefined);
    assert.equal(line('billing line').trace_id, orders.trace_id);
  });

  it('outside a request: {} (or only extra); in a job context: its request id only', async () => {
    assert.deepEqual(propagationHeaders(), {});
    assert.deepEqual(propagationHeaders({ authorization: 'Bearer t', skipped: undefined }), { authorization: 'Bearer t' });
    await runWithLogContext({ requestId: 'job-7', fields: {} }, async () => {
      assert.deepEqual(propagationHeaders(), { 'x-request-id': 'job-7' });
      assert.deepEqual(propagationHeaders({ 'X-Request-Id': 'mine' }), { 'X-Request-Id': 'mine' }, 'extra wins, one spelling');
    });
    await runWithLogContext({ requestId: 'bad\nid', fields: {} }, async () => {
      assert.deepEqual(propagationHeaders(), {}, 'a value no header can carry is left out');
    });
  });

  it('a queue consumer joins the producer trace: runWithLogContext({ trace: requestTraceFrom(message headers) })', async () => {
    const message = { id: 'msg-1', headers: { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`, tracestate: 'rojo=1' } };
    await runWithLogContext({ requestId: message.id, fields: {}, trace: requestTraceFrom(message.headers) }, async () => {
      getLogger('consumer').info('consumed');
      const headers = propagationHeaders();
      const consumed = line('consumed');
      assert.equal(consumed.trace_id, TRACE_ID);
      assert.equal(consumed.parent_span_id, PARENT_ID);
      assert.deepEqual(headers, { traceparent: `00-${TRACE_ID}-${consumed.span_id}-01`, tracestate: 'rojo=1', 'x-request-id': 'msg-1' });
    });
  });

  it('is exported from the package root and the logging subpath', () => {
    assert.equal(root.propagationHeaders, propagationHeaders);
    assert.equal(root.requestTraceFrom, requestTraceFrom);
  });
});
