import assert from 'node:assert/strict';
import express, { type NextFunction, type Request, type Response } from 'express';
import request from 'supertest';
import { asyncMiddleware, trustProxyCheck } from '../../lib/http/index.js';
import { resetKitWarnings } from '../../lib/config/warnings.js';

function errorsAsJson(app: express.Express): express.Express {
  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => { res.status(418).json({ error: err.message }); });
  return app;
}

describe('http: asyncMiddleware', () => {
  it('passes a rejection to next(err)', async () => {
    const app = express();
    app.get('/', asyncMiddleware('rejects', async () => { throw new Error('boom'); }));
    const res = await request(errorsAsJson(app)).get('/');
    assert.equal(res.status, 418);
    assert.equal(res.body.error, 'boom');
  });

  it('passes a synchronous throw to next(err)', async () => {
    const app = express();
    app.get('/', asyncMiddleware('throws', () => { throw new Error('sync'); }));
    const res = await request(errorsAsJson(app)).get('/');
    assert.deepEqual([res.status, res.body.error], [418, 'sync']);
  });

  it('never calls next a second time when the chain after it throws', async () => {
    let calls = 0;
    let errors = 0;
    const app = express();
    app.get('/', asyncMiddleware('passes', (_req, _res, next) => { next(); throw new Error('after next'); }),
      (_req, res) => { calls += 1; res.json({ ok: true }); });
    app.use((_err: Error, _req: Request, _res: Response, next: NextFunction) => { errors += 1; next(); });
    const res = await request(app).get('/');
    assert.equal(res.status, 200);
    assert.equal(calls, 1);
    assert.equal(errors, 0, 'the throw after next() is not reported as a second outcome');
  });

  it('gives a synchronous throw from inside next() back to the caller, without a second next()', () => {
    const failure = new Error('thrown further down the chain');
    let calls = 0;
    const handler = asyncMiddleware('passes', (_req, _res, next) => { next(); });
    assert.throws(() => handler({} as never, {} as never, () => { calls += 1; throw failure; }), failure);
    assert.equal(calls, 1);
  });

  it('names the handler', () => {
    assert.equal(asyncMiddleware('requireThing', () => undefined).name, 'requireThing');
  });
});

describe('http: trustProxyCheck', () => {
  it('warns once when trust proxy is true, and once when X-Forwarded-For arrives with it off', async () => {
    resetKitWarnings();
    const seen: string[] = [];
    const listener = (warning: Error & { code?: string }) => { if (warning.name === 'KitWarning') seen.push(String(warning.code)); };
    process.on('warning', listener);
    try {
      const check = trustProxyCheck('test-consumer', 'limits are shared');
      const permissive = express();
      permissive.set('trust proxy', true);
      permissive.get('/', (req, res) => { check(req); res.end(); });
      const off = express();
      off.get('/', (req, res) => { check(req); res.end(); });
      for (let i = 0; i < 3; i += 1) {
        await request(permissive).get('/').set('X-Forwarded-For', '203.0.113.9');
        await request(off).get('/').set('X-Forwarded-For', '203.0.113.9');
      }
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(seen.sort(), ['WARN_TRUST_PROXY_OFF', 'WARN_TRUST_PROXY_PERMISSIVE']);
    } finally {
      process.off('warning', listener);
    }
  });
});
