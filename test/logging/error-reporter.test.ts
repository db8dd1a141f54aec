import assert from 'node:assert/strict';
import request from 'supertest';
import type { NextFunction, Request, Response } from 'express';
import { KitError } from '../../lib/errors/kit-error.js';
import { reportError } from '../../lib/errors/report.js';
import { jsonFormat, requestContext, shutdownLogging } from '../../lib/logging/index.js';
import { forEachExpress } from '../support/express.js';
import { captureLogs, MESSAGE, MemoryTransport } from './helpers.js';

/** Captures what the stderr reporter writes while `body` runs. */
function stderrDuring(body: () => void): string {
  const write = process.stderr.write;
  let text = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    body();
  } finally {
    process.stderr.write = write;
  }
  return text;
}

forEachExpress('the kit logger as the error reporter', ({ create }) => {
  afterEach(() => captureLogs());

  it('a 5xx report inside a request becomes one structured errors record: context, method, path, status, stack as a field', async () => {
    const json = new MemoryTransport({ format: jsonFormat() });
    captureLogs({ transports: [json] });
    const app = create();
    app.use(requestContext());
    app.get('/boom/:id', (req: Request, res: Response, _next: NextFunction) => {
      const error = Object.assign(new Error('database is gone'), { code: 'ECONNREFUSED' });
      reportError({ error, status: 500, method: req.method, path: req.path, requestId: req.requestId });
      res.status(500).json({ detail: 'Internal Server Error' });
    });
    const stderr = await (async () => {
      let text = '';
      const write = process.stderr.write;
      process.stderr.write = ((chunk: string | Uint8Array) => ((text += String(chunk)), true)) as typeof process.stderr.write;
      try {
        await request(app).get('/boom/7?token=t0k').set('X-Request-Id', 'rid-500').expect(500);
      } finally {
        process.stderr.write = write;
      }
      return text;
    })();
    assert.equal(stderr, '', 'nothing on stderr once logging is configured');
    const lines = json.records.map((record) => String(record[MESSAGE]));
    assert.equal(lines.length, 1, 'one record per error');
    const record = JSON.parse(lines[0]!);
    assert.equal(record.logger, 'errors');
    assert.equal(record.level, 'ERROR');
    assert.equal(record.message, 'database is gone');
    assert.equal(record.requestId, 'rid-500');
    assert.equal(record.method, 'GET');
    assert.equal(record.path, '/boom/7');
    assert.equal(record.status, 500);
    assert.equal(record.errorCode, 'ECONNREFUSED');
    assert.match(record.exception, /^Error: database is gone\n\s+at /);
    assert.ok(!lines[0]!.includes('t0k'));
  });

  it('outside a context the report carries its requestId; errors already reported by their module are not logged twice', () => {
    const memory = captureLogs();
    reportError({ error: new Error('late'), status: 503, method: 'POST', path: '/x', requestId: 'rid-x' });
    reportError({ error: new KitError('ERR_STORE_UNAVAILABLE', 'store down', { reported: true }), status: 503 });
    assert.equal(memory.records.length, 1);
    assert.equal(memory.records[0]!.requestId, 'rid-x');
    assert.equal(memory.records[0]!.status, 503);
  });

  it('shutdownLogging hands reporting back to one stderr JSON line; configureLogging takes it again', async () => {
    const memory = captureLogs();
    await shutdownLogging({ timeoutMs: 1000 });
    const text = stderrDuring(() => reportError({ error: new Error('during shutdown'), status: 500, path: '/y' }));
    assert.equal(text.split('\n').filter(Boolean).length, 1);
    assert.equal(JSON.parse(text).message, 'during shutdown');
    assert.equal(memory.records.length, 0);
    const again = captureLogs();
    assert.equal(stderrDuring(() => reportError({ error: new Error('after'), status: 500 })), '');
    assert.equal(again.records.length, 1);
  });
});
