import assert from 'node:assert/strict';
import createHttpError from 'http-errors';
import request from 'supertest';
import { errorHandler, HttpError, httpError, isKitError, KitError } from '../../lib/errors/index.js';
import { forEachExpress } from '../support/express.js';

forEachExpress('errorHandler', ({ create }) => {
  function appThrowing(error: unknown, onServerError: (err: unknown) => void = () => {}) {
    const app = create();
    app.get('/boom', (_req, _res, next) => next(error));
    app.use(errorHandler({ onServerError }));
    return app;
  }

  it('renders an HttpError as {"detail"} with its status and headers', async () => {
    const err = new HttpError(401, 'Authorization header is missing', { headers: { 'WWW-Authenticate': 'Bearer' }, code: 'ERR_AUTH_MISSING' });
    const res = await request(appThrowing(err)).get('/boom');
    assert.equal(res.status, 401);
    assert.deepEqual(res.body, { detail: 'Authorization header is missing' });
    assert.equal(res.headers['www-authenticate'], 'Bearer');
  });

  it('writes the body with its Content-Length, no ETag, and none for HEAD', async () => {
    const err = new HttpError(401, 'Authorization header is missing', { headers: { 'WWW-Authenticate': 'Bearer' } });
    const app = create();
    app.all('/boom', (_req, _res, next) => next(err));
    app.use(errorHandler());
    const res = await request(app).get('/boom').expect(401);
    assert.equal(res.text, '{"detail":"Authorization header is missing"}');
    assert.equal(res.headers['content-length'], String(Buffer.byteLength(res.text)));
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(res.headers.etag, undefined);
    const head = await request(app).head('/boom').expect(401);
    assert.equal(head.text, undefined);
    assert.equal(head.headers['www-authenticate'], 'Bearer');
  });

  it("honours the app's JSON settings (json spaces) in the body", async () => {
    const app = create();
    app.set('json spaces', 2);
    app.get('/boom', (_req, _res, next) => next(new HttpError(404, 'Graph not found')));
    app.use(errorHandler());
    const res = await request(app).get('/boom').expect(404);
    assert.equal(res.text, '{\n  "detail": "Graph not found"\n}');
  });

  it('renders a structured detail object', async () => {
    const detail = { error: 'Rate limit exceeded', limit: 1 };
    const res = await request(appThrowing(httpError(429, 'Too many', { detail, code: 'ERR_RATE_LIMITED' }))).get('/boom');
    assert.equal(res.status, 429);
    assert.deepEqual(res.body, { detail });
  });

  it('never shows internals of a plain error, and reports it', async () => {
    const reported: unknown[] = [];
    const res = await request(appThrowing(new Error('password=hunter2 at db.ts:42'), (err: unknown) => reported.push(err))).get('/boom');
    assert.equal(res.status, 500);
    assert.deepEqual(res.body, { detail: 'Internal Server Error' });
    assert.equal(reported.length, 1);
  });

  it('hides the message of an unexposed 5xx HttpError but keeps its status', async () => {
    const res = await request(appThrowing(new HttpError(503, 'redis at 10.0.0.3 refused'))).get('/boom');
    assert.equal(res.status, 503);
    assert.deepEqual(res.body, { detail: 'Service Unavailable' });
  });

  it('honours http-errors created by other middleware', async () => {
    const res = await request(appThrowing(createHttpError(404, 'Graph not found'))).get('/boom');
    assert.equal(res.status, 404);
    assert.deepEqual(res.body, { detail: 'Graph not found' });
  });

  it('turns a body-parser syntax error into the documented 400 issue list', async () => {
    const app = create();
    const expressJson = (await import('express')).default.json;
    app.post('/echo', expressJson(), (req, res) => res.json(req.body));
    app.use(errorHandler());
    const res = await request(app).post('/echo').set('content-type', 'application/json').send('{"a":');
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, { detail: [{ location: 'body', path: '', message: 'Malformed JSON body', code: 'invalid_json' }] });
  });

  it('answers 500 for non-error values passed to next (string, number, object)', async () => {
    for (const value of ['oops', 42, { weird: true }]) {
      const res = await request(appThrowing(value)).get('/boom');
      assert.equal(res.status, 500);
      assert.deepEqual(res.body, { detail: 'Internal Server Error' });
    }
  });
});

describe('KitError', () => {
  it('carries a stable code and is recognised across copies by its brand', () => {
    const err = new HttpError(403, 'Admin access required', { code: 'ERR_AUTH_ADMIN_REQUIRED' });
    assert.ok(err instanceof KitError);
    assert.ok(err instanceof HttpError);
    assert.ok(err instanceof Error);
    assert.equal(err.code, 'ERR_AUTH_ADMIN_REQUIRED');
    assert.equal(err.name, 'HttpError');
    assert.equal(err.expose, true);
    assert.ok(createHttpError.isHttpError(err), 'http-errors recognises it');
    const foreign = Object.assign(new Error('x'), { [Symbol.for('express-platform-kit.KitError')]: true, code: 'ERR_HTTP' });
    assert.ok(isKitError(foreign));
    assert.ok(foreign instanceof KitError);
    assert.ok(!(new Error('plain') instanceof KitError));
  });

  it('a 4xx HttpError carries no stack frames (nothing logs them); a 5xx and a KitError keep theirs', () => {
    const before = Error.stackTraceLimit;
    assert.equal(new HttpError(401, 'no token').stack, 'HttpError: no token');
    assert.match(new HttpError(500, 'db down').stack ?? '', /db down\n\s+at /);
    assert.match(new KitError('ERR_LOCK_TIMEOUT', 'busy').stack ?? '', /busy\n\s+at /);
    assert.equal(Error.stackTraceLimit, before, 'the limit is restored');
  });

  it('clamps an out-of-range status to 500', () => {
    assert.equal(new HttpError(200).status, 500);
    assert.equal(new HttpError(Number.NaN).status, 500);
  });
});
