/**
 * errorHandler under hostile errors and faults: headers an SDK error carries from an upstream
 * response never reshape our answer, 5xx are reported once as one structured line, and every
 * body-parser failure has the one documented 400/413 shape.
 */
import assert from 'node:assert/strict';
import express5 from 'express';
import request from 'supertest';
import { errorHandler, getErrorReporter, HttpError, KitError, setErrorReporter, stderrErrorReporter, type ErrorReport } from '../../lib/errors/index.js';
import { requestContext } from '../../lib/logging/index.js';
import { forEachExpress } from '../support/express.js';

function upstreamError(headers: Record<string, unknown>, status = 400): Error {
  // The shape of an SDK error that carries the upstream response's headers.
  return Object.assign(new Error('<script>alert(1)</script> is not a valid id'), { status, expose: status < 500, headers });
}

forEachExpress('errorHandler: headers carried by the error', ({ create }) => {
  function appThrowing(error: unknown) {
    const app = create();
    app.get('/boom', (_req, _res, next) => next(error));
    app.use(errorHandler({ onServerError: () => {} }));
    return app;
  }

  it('answers JSON with nosniff even when err.headers says text/html (no reflected XSS)', async () => {
    const res = await request(appThrowing(upstreamError({ 'Content-Type': 'text/html', 'Retry-After': '3' }))).get('/boom');
    assert.equal(res.status, 400);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['retry-after'], '3', 'other headers are still sent');
    assert.deepEqual(res.body, { detail: '<script>alert(1)</script> is not a valid id' });
  });

  it('drops framing and entity headers so the response stays well-formed', async () => {
    const headers = { 'Content-Length': '99999', 'Transfer-Encoding': 'chunked', 'Content-Encoding': 'gzip', Connection: 'close', 'Set-Cookie': 'upstream=1', ETag: '"x"' };
    const res = await request(appThrowing(upstreamError(headers, 502))).get('/boom');
    assert.equal(res.status, 502);
    assert.deepEqual(res.body, { detail: 'Bad Gateway' });
    assert.equal(res.headers['content-encoding'], undefined);
    assert.equal(res.headers['set-cookie'], undefined);
    assert.notEqual(res.headers.etag, '"x"', 'not the upstream ETag');
    assert.equal(Number(res.headers['content-length']), Buffer.byteLength(JSON.stringify(res.body)));
  });

  it('skips a header value Node refuses instead of failing the response', async () => {
    const res = await request(appThrowing(upstreamError({ 'X-Bad': 'a\r\nInjected: 1', 'X-Good': 'ok' }))).get('/boom');
    assert.equal(res.status, 400);
    assert.equal(res.headers.injected, undefined);
    assert.equal(res.headers['x-good'], 'ok');
  });

  it('overrides a Content-Type a middleware set before the error', async () => {
    const app = create();
    app.get('/boom', (_req, res, next) => {
      res.type('html');
      next(new HttpError(404, '<b>nope</b>'));
    });
    app.use(errorHandler());
    const res = await request(app).get('/boom');
    assert.equal(res.status, 404);
    assert.match(String(res.headers['content-type']), /^application\/json/);
  });
});

forEachExpress('errorHandler: 5xx reporting', ({ create }) => {
  let previous: ReturnType<typeof getErrorReporter>;
  beforeEach(() => {
    previous = getErrorReporter();
  });
  afterEach(() => setErrorReporter(previous));

  function appWithContext(error: unknown) {
    const app = create();
    app.use(requestContext());
    app.get('/boom', (_req, _res, next) => next(error));
    app.use(errorHandler());
    return app;
  }

  it('writes one JSON line per 5xx on stderr before logging is configured, with request id and stack as a field', async () => {
    setErrorReporter(undefined);
    const lines: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    let res: request.Response;
    try {
      res = await request(appWithContext(new Error('db exploded'))).get('/boom?token=secret').set('X-Request-Id', 'req-42');
    } finally {
      process.stderr.write = write;
    }
    assert.equal(res.status, 500);
    assert.equal(lines.length, 1, `one write, got ${lines.length}`);
    assert.equal(lines[0]!.trimEnd().split('\n').length, 1, 'one line');
    const record = JSON.parse(lines[0]!);
    assert.equal(record.requestId, 'req-42');
    assert.equal(record.status, 500);
    assert.equal(record.path, '/boom', 'no query string (it may hold secrets)');
    assert.equal(record.message, 'db exploded');
    assert.match(record.exception.stack, /db exploded\n\s+at /);
    assert.equal(getErrorReporter(), stderrErrorReporter);
  });

  it('goes through the registered reporter (the kit logger) and skips errors already reported', async () => {
    const reports: ErrorReport[] = [];
    setErrorReporter((report) => reports.push(report));
    const app = create();
    app.use(requestContext());
    app.get('/down', (_req, _res, next) => next(new HttpError(503, 'store down', { code: 'ERR_STORE_UNAVAILABLE', reported: true })));
    app.get('/boom', (_req, _res, next) => next(new Error('boom')));
    app.use(errorHandler());
    await request(app).get('/down').expect(503);
    await request(app).get('/down').expect(503);
    assert.equal(reports.length, 0, 'a module that logged the outage is not logged again per request');
    await request(app).get('/boom').set('X-Request-Id', 'req-7').expect(500);
    assert.equal(reports.length, 1);
    assert.equal(reports[0]!.requestId, 'req-7');
    assert.equal(reports[0]!.method, 'GET');
    assert.equal((reports[0]!.error as Error).message, 'boom');
  });

  it('does not report 4xx', async () => {
    const reports: ErrorReport[] = [];
    setErrorReporter((report) => reports.push(report));
    await request(appWithContext(new HttpError(404, 'nope'))).get('/boom').expect(404);
    assert.equal(reports.length, 0);
  });
});

forEachExpress('errorHandler: status of a KitError without one', ({ create }) => {
  it('answers the status its code means, with its detail', async () => {
    const cases: [KitError, number][] = [
      [new KitError('ERR_VALIDATION', 'bad', { detail: [{ location: 'body', path: 'a', message: 'bad', code: 'custom' }] }), 400],
      [new KitError('ERR_CREDENTIALS_NOT_FOUND', 'Credentials not found'), 404],
      [new KitError('ERR_CREDENTIALS_CONFLICT', 'exists'), 409],
      [new KitError('ERR_PAYLOAD_TOO_LARGE', 'too large'), 413],
      [new KitError('ERR_LOCK_TIMEOUT', 'busy'), 503],
      [new KitError('ERR_CREDENTIALS_DECRYPT', 'damaged'), 500],
    ];
    for (const [error, status] of cases) {
      const app = create();
      app.get('/boom', (_req, _res, next) => next(error));
      app.use(errorHandler({ onServerError: () => {} }));
      const res = await request(app).get('/boom');
      assert.equal(res.status, status, error.code);
      if (status < 500) assert.deepEqual(res.body, { detail: error.detail });
      else assert.equal(typeof res.body.detail, 'string');
    }
  });
});

describe('errorHandler: body-parser failures have the one documented shape', () => {
  function appWithJson(options?: Parameters<typeof express5.json>[0]) {
    const app = express5();
    app.post('/echo', express5.json(options), (req, res) => res.json(req.body));
    app.use(errorHandler());
    return app;
  }

  it('malformed JSON → 400 ERR_VALIDATION with a body issue list', async () => {
    const res = await request(appWithJson()).post('/echo').set('content-type', 'application/json').send('{"a":');
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, { detail: [{ location: 'body', path: '', message: 'Malformed JSON body', code: 'invalid_json' }] });
  });

  it('an unsupported charset → 400 (not 415), same shape', async () => {
    const res = await request(appWithJson()).post('/echo').set('content-type', 'application/json; charset=klingon').send('{}');
    assert.equal(res.status, 400);
    assert.equal(res.body.detail[0].code, 'unsupported_charset');
    assert.equal(res.body.detail[0].location, 'body');
  });

  it('a body over the limit → 413 with a string detail', async () => {
    const res = await request(appWithJson({ limit: 10 })).post('/echo').set('content-type', 'application/json').send(JSON.stringify({ a: 'x'.repeat(100) }));
    assert.equal(res.status, 413);
    assert.deepEqual(res.body, { detail: 'Request body too large' });
  });
});
