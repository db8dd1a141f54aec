import assert from 'node:assert/strict';
import request from 'supertest';
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
    assert.ok(!Object.prototype.hasOwnProperty.call(getRootLogger(), 'write'), 'the root logger has no own write hiding the prototype');
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
  });
});
