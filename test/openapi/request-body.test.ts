/**
 * request.body in both shapes users write (a zod schema, or zod-to-openapi's
 * `{ content: { '<media type>': { schema } } }`), the one 400 shape whatever parsed the body,
 * and the depth bound that keeps recursive schemas from overflowing the stack.
 */
import assert from 'node:assert/strict';
import express5 from 'express';
import request from 'supertest';
import { ConfigError } from '../../lib/config/index.js';
import { errorHandler } from '../../lib/errors/index.js';
import { createApiRouter, generateOpenApiDocument, jsonResponse, z, type ApiRouter } from '../../lib/openapi/index.js';
import { forEachExpress } from '../support/express.js';
import { validateDocument } from './fixtures.js';

const NewGraph = z.object({ name: z.string().min(1) }).openapi('NewGraph');
const ok = { 200: jsonResponse(z.object({ got: z.unknown() }), 'Echo') };

function docOf(api: ApiRouter) {
  return generateOpenApiDocument(api, { title: 't', version: '1' });
}

forEachExpress('route(): request.body shapes', ({ create }) => {
  function appWith(api: ApiRouter, before: express5.RequestHandler[] = []) {
    const app = create();
    app.use(...before, api);
    app.use(errorHandler({ onServerError: (err) => assert.fail(`5xx: ${String(err)}`) }));
    return app;
  }

  it("accepts zod-to-openapi's { content } form: validates, and documents plain JSON data", async () => {
    const api = createApiRouter();
    api.route({
      method: 'post', path: '/graphs', summary: 'Create', responses: ok,
      request: { body: { description: 'The graph', content: { 'application/json': { schema: NewGraph, example: { name: 'g' } } } } },
      handler: (req, res) => res.json({ got: req.body.name }),
    });
    const app = appWith(api);
    assert.deepEqual((await request(app).post('/graphs').send({ name: 'g' }).expect(200)).body, { got: 'g' });
    const bad = await request(app).post('/graphs').send({ name: '' }).expect(400);
    assert.equal(bad.body.detail[0].location, 'body');
    assert.equal(bad.body.detail[0].path, 'name');
    const document = docOf(api);
    const cloned = structuredClone(document); // throws on zod objects or functions
    assert.deepEqual(cloned, JSON.parse(JSON.stringify(document)));
    const body = (document.paths!['/graphs']!.post as { requestBody: Record<string, unknown> }).requestBody;
    assert.deepEqual(body, { description: 'The graph', required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/NewGraph' }, example: { name: 'g' } } } });
    await validateDocument(cloned);
  });

  it('opens other media types: text/plain and urlencoded forms, each validated by its schema', async () => {
    const api = createApiRouter();
    api.route({
      method: 'post', path: '/notes', summary: 'Note', responses: ok,
      request: { body: { content: { 'text/plain': { schema: z.string().max(10) }, 'application/x-www-form-urlencoded': { schema: z.object({ text: z.string().max(10) }) } } } },
      handler: (req, res) => res.json({ got: req.body }),
    });
    const app = appWith(api);
    assert.deepEqual((await request(app).post('/notes').set('content-type', 'text/plain').send('hello').expect(200)).body, { got: 'hello' });
    assert.deepEqual((await request(app).post('/notes').type('form').send('text=hi').expect(200)).body, { got: { text: 'hi' } });
    const long = await request(app).post('/notes').set('content-type', 'text/plain').send('x'.repeat(20)).expect(400);
    assert.equal(long.body.detail[0].code, 'too_big');
    const json = await request(app).post('/notes').send({ text: 'hi' }).expect(400);
    assert.deepEqual(json.body.detail, [{ location: 'body', path: '', message: 'Unsupported Content-Type: send text/plain or application/x-www-form-urlencoded', code: 'unsupported_media_type' }]);
    await validateDocument(structuredClone(docOf(api)));
  });

  it('refuses any other body shape when the route is declared (ConfigError naming the field)', () => {
    const cases: unknown[] = [
      { content: { 'application/json': NewGraph } },
      { content: { 'application/json': { schema: { type: 'object' } } } },
      { content: {} },
      { schema: NewGraph },
      { content: { 'not a type': { schema: NewGraph } } },
      'string',
    ];
    for (const body of cases) {
      const api = createApiRouter();
      assert.throws(
        () => api.route({ method: 'post', path: '/x', summary: 'X', responses: ok, request: { body: body as never }, handler: (_req, res) => res.end() }),
        (err: unknown) => err instanceof ConfigError && /request\.body/.test(err.message),
        JSON.stringify(body),
      );
      assert.equal(api.registry.definitions.length, 0, 'nothing half-declared');
    }
    const api = createApiRouter();
    assert.throws(() => api.route({ method: 'get', path: '/x', summary: 'X', responses: ok, request: { cookies: z.object({}) } as never, handler: (_req, res) => res.end() }), /request\.cookies/);
  });

  it('the same 400 shape when the app already ran express.json() (malformed, bad charset, no content-type)', async () => {
    const api = createApiRouter();
    api.route({ method: 'post', path: '/graphs', summary: 'Create', responses: ok, request: { body: NewGraph }, handler: (req, res) => res.json({ got: req.body.name }) });
    for (const app of [appWith(api, [express5.json()]), appWith(api)]) {
      const malformed = await request(app).post('/graphs').set('content-type', 'application/json').send('{"name":');
      assert.equal(malformed.status, 400);
      assert.deepEqual(malformed.body.detail, [{ location: 'body', path: '', message: 'Malformed JSON body', code: 'invalid_json' }]);
      const charset = await request(app).post('/graphs').set('content-type', 'application/json; charset=klingon').send('{"name":"g"}');
      assert.equal(charset.status, 400);
      assert.equal(charset.body.detail[0].code, 'unsupported_charset');
      const untyped = await request(app).post('/graphs').set('content-type', 'text/plain').send('{"name":"g"}');
      assert.equal(untyped.status, 400);
      assert.equal(untyped.body.detail[0].code, 'unsupported_media_type');
      const bare = await request(app).post('/graphs').unset('Content-Type').send(Buffer.from('{"name":"g"}'));
      assert.equal(bare.status, 400, 'JSON without a Content-Type');
      assert.deepEqual(bare.body.detail, [{ location: 'body', path: '', message: 'No Content-Type: send application/json', code: 'unsupported_media_type' }]);
      const missing = await request(app).post('/graphs');
      assert.equal(missing.status, 400);
      assert.equal(missing.body.detail[0].code, 'body_required');
      const large = await request(app).post('/graphs').send({ name: 'x'.repeat(200_000) });
      assert.equal(large.status, 413);
      assert.deepEqual(large.body, { detail: 'Request body too large' });
    }
  });
});

describe('route(): deeply nested bodies', () => {
  type Tree = { children: Tree[] };
  const TreeSchema: z.ZodType<Tree> = z.lazy(() => z.object({ children: z.array(TreeSchema) }));

  function nested(depth: number): string {
    return '{"children":['.repeat(depth) + '{"children":[]}' + ']}'.repeat(depth);
  }

  it('answers a clear 400 (not a RangeError 500) for a body nested 5000 deep against a recursive schema', async () => {
    const api = createApiRouter();
    api.route({ method: 'post', path: '/trees', summary: 'Tree', responses: ok, request: { body: TreeSchema }, handler: (_req, res) => res.json({ got: true }) });
    const app = express5().use(api).use(errorHandler({ onServerError: (err) => assert.fail(`5xx: ${String(err)}`) }));
    const body = nested(5000);
    assert.ok(body.length > 30_000 && body.length < 100_000);
    const res = await request(app).post('/trees').set('content-type', 'application/json').send(body);
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.detail, [{ location: 'body', path: '', message: 'The body nests deeper than 64 levels', code: 'too_deep' }]);
    await request(app).post('/trees').set('content-type', 'application/json').send(nested(30)).expect(200); // 62 levels: objects and arrays both count;
  });

  it('maxBodyDepth is configurable and checked when the route is declared', () => {
    const api = createApiRouter();
    assert.throws(() => api.route({ method: 'post', path: '/t', summary: 'T', responses: ok, maxBodyDepth: 0, request: { body: TreeSchema }, handler: (_req, res) => res.end() }), /maxBodyDepth/);
  });
});

describe('createApiRouter({ middleware })', () => {
  it('mounts the middleware once, before every route of the router (and what falls through it)', async () => {
    const seen: string[] = [];
    const count: express5.RequestHandler = (req, _res, next) => {
      seen.push(req.path);
      next();
    };
    const api = createApiRouter({ middleware: count });
    api.route({ method: 'get', path: '/a', summary: 'A', responses: ok, handler: (_req, res) => res.json({ got: 'a' }) });
    const app = express5().use(api).get('/after', (_req, res) => res.json({ got: 'after' }));
    await request(app).get('/a').expect(200);
    await request(app).get('/after').expect(200);
    assert.deepEqual(seen, ['/a', '/after']);
    assert.throws(() => createApiRouter({ middleware: ['nope' as never] }), /middleware\[0\]/);
  });
});
