import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import fc from 'fast-check';
import express, { type Request, type Response } from 'express';
import request from 'supertest';
import { settleShape } from '../../lib/http/index.js';
import { requestContext } from '../../lib/logging/index.js';
import type { ShapeReport } from './fixtures/shape-probe.js';

const run = promisify(execFile);
const probe = fileURLToPath(new URL('./fixtures/shape-probe.ts', import.meta.url));

/** Everything an observer can read off an object's own properties, in order. */
function ownView(object: object): unknown {
  return {
    keys: Object.keys(object),
    names: Object.getOwnPropertyNames(object),
    symbols: Object.getOwnPropertySymbols(object).map(String),
    json: JSON.stringify(object),
    forIn: (() => { const seen: string[] = []; for (const key in object) seen.push(key); return seen; })(),
    prototype: Object.getPrototypeOf(object),
  };
}

describe('http: settleShape (request and response objects in dictionary mode)', () => {
  it('V8: after requestContext() the request and response are in dictionary mode, where bare Express gives each request a hidden class of its own (Express 5 and 4)', async function () {
    this.timeout(30_000);
    for (const version of ['express', 'express4']) {
      const { stdout } = await run(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', probe, version], { timeout: 25_000 });
      const report = JSON.parse(stdout) as ShapeReport;
      // The cause: bare Express never gives two requests the same hidden class.
      assert.ok(report.bare.every((r) => !r.reqSameMap && !r.resSameMap), `${version}: bare Express requests share a map: ${stdout}`);
      assert.ok(report.kit.every((r) => !r.reqFast && !r.resFast), `${version}: ${stdout}`);
      // (Settled objects usually share V8's dictionary map too, but V8 empties that cache on each full GC: not asserted.)
    }
  });

  it('property: nothing observable changes: own keys, their order, symbols, JSON, for…in and the prototype (fast-check)', () => {
    const key = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'toString', '0', '1', 'length'));
    fc.assert(fc.property(fc.array(fc.tuple(key, fc.jsonValue()), { maxLength: 50 }), fc.boolean(), fc.boolean(), (entries, changePrototype, twice) => {
      const make = (): object => {
        const object: Record<string, unknown> = {};
        for (const [name, value] of entries) Object.defineProperty(object, name, { value, enumerable: true, writable: true, configurable: true });
        if (changePrototype) Object.setPrototypeOf(object, { inherited: 1 });
        return object;
      };
      const settled = make();
      const expected = ownView(make()) as { symbols: string[] };
      settleShape(settled);
      if (twice) settleShape(settled);
      const view = ownView(settled) as { symbols: string[] };
      assert.deepEqual(view.symbols, ['Symbol(express-platform-kit.settled)']);
      assert.deepEqual({ ...view, symbols: [] }, { ...expected, symbols: [] });
    }), { numRuns: 200 });
  });

  it('leaves a frozen, sealed or non-extensible object as it is, without throwing', () => {
    for (const seal of [Object.freeze, Object.seal, Object.preventExtensions]) {
      const object = seal({ a: 1 });
      settleShape(object);
      assert.deepEqual(Object.getOwnPropertySymbols(object), []);
      assert.deepEqual(Object.keys(object), ['a']);
    }
  });

  it('over HTTP: the request keeps what Express and Node put on it, with the kit\'s names added', async () => {
    const views: Record<string, string[]> = {};
    for (const kind of ['bare', 'kit']) {
      const app = express();
      if (kind === 'kit') app.use(requestContext());
      app.get('/', (req: Request, res: Response) => {
        views[kind] = Object.keys(req);
        res.json({ id: req.requestId ?? null, locals: Object.keys(res.locals) });
      });
      const res = await request(app).get('/').set('X-Request-Id', 'abc-123');
      assert.equal(res.status, 200);
      if (kind === 'kit') assert.equal(res.body.id, 'abc-123');
    }
    // requestContext() runs before the route sets req.route and req.params: the same keys, one more.
    assert.deepEqual([...views.kit!].sort(), [...views.bare!, 'requestId'].sort());
  });
});
