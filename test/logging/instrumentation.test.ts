import assert from 'node:assert/strict';
import { IncomingMessage, ServerResponse } from 'node:http';
import request from 'supertest';
import { resetKitWarnings } from '../../lib/config/warnings.js';
import winston from 'winston';
import { accessLog, getLogger, getRootLogger, requestContext } from '../../lib/logging/index.js';
import { forEachExpress } from '../support/express.js';
import { captureLogs, type MemoryTransport } from './helpers.js';

type Write = (this: winston.Logger, chunk: unknown, ...rest: unknown[]) => boolean;

/** Patches winston's prototype `write` like APM/OpenTelemetry instrumentations do; returns the restore. */
function instrumentWinston(onWrite: (info: Record<string, unknown>) => void): () => void {
  const proto = winston.Logger.prototype as unknown as { write: Write };
  const original = proto.write;
  proto.write = function instrumentedWrite(this: winston.Logger, chunk: unknown, ...rest: unknown[]) {
    onWrite(chunk as Record<string, unknown>);
    (chunk as Record<string, unknown>).traceId = 'trace-1';
    return original.call(this, chunk, ...rest);
  };
  return () => {
    proto.write = original;
  };
}

forEachExpress('instrumentation of winston', ({ create }) => {
  let memory: MemoryTransport;
  let restore: (() => void) | undefined;
  beforeEach(() => {
    memory = captureLogs();
  });
  afterEach(() => {
    restore?.();
    restore = undefined;
  });

  it('kit log lines go through a patched winston.Logger.prototype.write (root, child and access log)', async () => {
    let calls = 0;
    restore = instrumentWinston(() => {
      calls += 1;
    });
    getRootLogger().info('from root');
    getLogger('orders').info('from child');
    const app = create();
    app.use(requestContext(), accessLog());
    app.get('/x', (_req, res) => res.send('ok'));
    await request(app).get('/x').expect(200);
    assert.ok(calls >= 3, `patched write saw ${calls} calls`);
    const messages = memory.records.filter((record) => record.traceId === 'trace-1').map((record) => String(record.message));
    assert.ok(messages.includes('from root'));
    assert.ok(messages.includes('from child'));
    assert.ok(memory.records.some((record) => record.logger === 'access' && record.traceId === 'trace-1'), 'access line carries the patched field');
    restore();
    restore = undefined;
    const before = calls;
    getLogger('orders').info('after restore');
    assert.equal(calls, before, 'restored: no more patched calls');
    assert.ok(memory.messages().includes('after restore'), 'and logging goes on');
  });

  it('without an instrumentation, records skip the stream pipeline: the root logger never reaches its _transform step', async () => {
    const root = getRootLogger() as unknown as { _transform: (...args: unknown[]) => void };
    const own = root._transform;
    let transformed = 0;
    root._transform = function countedTransform(this: unknown, ...args: unknown[]) {
      transformed += 1;
      return own.apply(this, args);
    };
    try {
      getRootLogger().info('direct root');
      getLogger('orders').info('direct child');
      const app = create();
      app.use(requestContext(), accessLog());
      app.get('/x', (_req, res) => res.send('ok'));
      await request(app).get('/x').expect(200);
    } finally {
      root._transform = own;
    }
    assert.equal(transformed, 0, 'every record was dispatched directly');
    assert.ok(memory.messages().includes('direct root'));
    assert.ok(memory.messages().includes('direct child'));
    assert.ok(memory.records.some((record) => record.logger === 'access'), 'the access line was delivered');
  });

  it('requestContext() and accessLog() change no prototype: Express and Node request/response methods stay as they were', async () => {
    const app = create();
    const prototypes = [Object.getPrototypeOf(app.request), Object.getPrototypeOf(app.response), IncomingMessage.prototype, ServerResponse.prototype, app.request, app.response];
    const names = ['on', 'addListener', 'once', 'write', 'end', 'requestId'];
    const snapshot = () => prototypes.map((proto) => names.map((name) => Object.getOwnPropertyDescriptor(proto, name)?.value ?? Object.getOwnPropertyDescriptor(proto, name)?.get));
    const before = snapshot();
    app.use(requestContext(), accessLog());
    app.get('/x', (req, res) => res.json({ requestId: req.requestId }));
    const response = await request(app).get('/x').set('X-Request-Id', 'rid-proto').expect(200);
    assert.equal(response.body.requestId, 'rid-proto', 'req.requestId is still set');
    assert.deepEqual(snapshot(), before);
    for (const proto of prototypes) assert.ok(!Object.getOwnPropertySymbols(proto).some((symbol) => String(symbol).includes('express-platform-kit')), 'no kit marker on a prototype');
  });

  it('accessLog() without requestContext() warns once (WARN_REQUEST_CONTEXT_MISSING) and still logs every request', async () => {
    resetKitWarnings();
    const warnings: (Error & { code?: string })[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const app = create();
      app.use(accessLog());
      app.get('/x', (_req, res) => res.send('hello'));
      await request(app).get('/x').expect(200);
      await request(app).get('/x').expect(200);
      await new Promise((resolve) => setImmediate(resolve));
      const missing = warnings.filter((warning) => warning.code === 'WARN_REQUEST_CONTEXT_MISSING');
      assert.equal(missing.length, 1, 'once per process');
      assert.match(missing[0]!.message, /accessLog\(\).*requestContext\(\)/);
      const lines = memory.records.filter((record) => record.logger === 'access');
      assert.equal(lines.length, 2);
      assert.equal(lines[0]!.bytes, 5);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
