import assert from 'node:assert/strict';
import express4 from 'express4';
import express5, { type Router } from 'express';
import request from 'supertest';
import { ConfigError } from '../../lib/config/index.js';
import { errorHandler } from '../../lib/errors/index.js';
import { createApiRouter, generateOpenApiDocument, jsonResponse, z, type ApiRouter } from '../../lib/openapi/index.js';
import { forEachExpress } from '../support/express.js';
import { testRequireUser, USER_TOKEN, validateDocument } from './fixtures.js';

const Graph = z.object({ id: z.string(), name: z.string(), nodes: z.number().int() }).openapi('Graph');
const NewGraph = z.object({ name: z.string().min(1).max(50), nodes: z.number().int().min(0).default(0) });

forEachExpress('createApiRouter', ({ name, create }) => {
  const makeRouter = (): ApiRouter =>
    createApiRouter({ router: (name === 'express4' ? (express4 as unknown as { Router(): Router }).Router() : express5.Router()) });

  function appWith(api: ApiRouter) {
    const app = create();
    app.use(api);
    app.use(errorHandler({ onServerError: () => {} }));
    return app;
  }

  it('validates params, query and body, and hands typed values to the handler', async () => {
    const api = makeRouter();
    api.route({
      method: 'post',
      path: '/graphs/:id/copies',
      summary: 'Copy a graph',
      tags: ['graphs'],
      request: { params: z.object({ id: z.string().min(3) }), query: z.object({ dryRun: z.coerce.boolean().default(false), limit: z.coerce.number().int().max(10).optional() }), body: NewGraph },
      responses: { 201: jsonResponse(Graph.extend({ limit: z.number().nullable(), dryRun: z.boolean(), viaValid: z.string() }), 'Created') },
      handler: (req, res) => {
        const id: string = req.params.id;
        const limit: number | undefined = req.query.limit;
        const nodes: number = req.body.nodes;
        // @ts-expect-error the body's name is a string, not a number (types follow the schemas)
        const wrong: number = req.body.name;
        void wrong;
        res.status(201).json({ id, name: req.body.name, nodes, limit: limit ?? null, dryRun: req.valid.query.dryRun, viaValid: req.valid.body.name });
      },
    });
    const res = await request(appWith(api)).post('/graphs/abc/copies?limit=3').send({ name: 'g' });
    assert.equal(res.status, 201);
    assert.deepEqual(res.body, { id: 'abc', name: 'g', nodes: 0, limit: 3, dryRun: false, viaValid: 'g' });
  });

  it('answers 400 listing every issue with location, path and message', async () => {
    const api = makeRouter();
    api.route({
      method: 'post',
      path: '/graphs/:id',
      summary: 'Update',
      tags: ['graphs'],
      request: { params: z.object({ id: z.string().min(3) }), query: z.object({ limit: z.coerce.number().int().max(10) }), body: NewGraph },
      responses: { 200: jsonResponse(Graph, 'OK') },
      handler: (_req, res) => res.json({ id: 'g1', name: 'g', nodes: 0 }),
    });
    const res = await request(appWith(api)).post('/graphs/ab?limit=99').send({ name: 42, nodes: -1 });
    assert.equal(res.status, 400);
    const detail = res.body.detail as { location: string; path: string; message: string; code: string }[];
    const where = detail.map((issue) => `${issue.location}:${issue.path}`).sort();
    assert.deepEqual(where, ['body:name', 'body:nodes', 'params:id', 'query:limit']);
    for (const issue of detail) assert.ok(issue.message.length > 0 && issue.code.length > 0);
  });

  it('answers 400 for malformed JSON and 413 for a body over the limit', async () => {
    const api = makeRouter();
    api.route({ method: 'post', path: '/graphs', summary: 'Create', tags: ['graphs'], bodyLimit: 200, request: { body: NewGraph }, responses: { 201: jsonResponse(Graph, 'Created') }, handler: (_req, res) => res.status(201).json({ id: 'g1', name: 'g', nodes: 0 }) });
    const app = appWith(api);
    const malformed = await request(app).post('/graphs').set('Content-Type', 'application/json').send('{"name": ');
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.detail[0].location, 'body');
    const large = await request(app).post('/graphs').send({ name: 'x'.repeat(500) });
    assert.equal(large.status, 413);
    const missing = await request(app).post('/graphs');
    assert.equal(missing.status, 400);
  });

  it('validates declared headers case-insensitively', async () => {
    const api = makeRouter();
    api.route({
      method: 'get',
      path: '/echo',
      summary: 'Echo',
      tags: ['misc'],
      request: { headers: z.object({ 'X-Request-Id': z.string().uuid() }) },
      responses: { 200: jsonResponse(z.object({ id: z.string() }), 'OK') },
      handler: (req, res) => res.json({ id: req.valid.headers['X-Request-Id'] }),
    });
    const app = appWith(api);
    const id = '4b8f2c52-9f43-4a2a-9a57-7f35d27e1b10';
    assert.deepEqual((await request(app).get('/echo').set('x-request-id', id)).body, { id });
    const bad = await request(app).get('/echo');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.detail[0].location, 'headers');
  });

  it('runs the middleware before validation: no token → 401 even with a bad body', async () => {
    const api = makeRouter();
    api.route({ method: 'post', path: '/graphs', summary: 'Create', tags: ['graphs'], middleware: [testRequireUser()], request: { body: NewGraph }, responses: { 201: jsonResponse(Graph, 'Created') }, handler: (req, res) => res.status(201).json({ id: 'g1', ...req.body }) });
    const app = appWith(api);
    assert.equal((await request(app).post('/graphs').send({ name: 1 })).status, 401);
    assert.equal((await request(app).post('/graphs').set('Authorization', `Bearer ${USER_TOKEN}`).send({ name: 1 })).status, 400);
    assert.equal((await request(app).post('/graphs').set('Authorization', `Bearer ${USER_TOKEN}`).send({ name: 'ok' })).status, 201);
  });

  it('sends async rejections and sync throws to the error handler', async () => {
    const api = makeRouter();
    api.route({ method: 'get', path: '/async', summary: 'Async', tags: ['x'], responses: { 200: jsonResponse(z.object({}), 'OK') }, handler: async () => { throw new Error('boom'); } });
    api.route({ method: 'get', path: '/sync', summary: 'Sync', tags: ['x'], responses: { 200: jsonResponse(z.object({}), 'OK') }, handler: () => { throw new Error('boom'); } });
    const app = appWith(api);
    const asyncRes = await request(app).get('/async');
    assert.equal(asyncRes.status, 500);
    assert.deepEqual(asyncRes.body, { detail: 'Internal Server Error' });
    assert.equal((await request(app).get('/sync')).status, 500);
  });

  it('supports schemas with async refinements (and reports a throwing transform as a server error)', async () => {
    const api = makeRouter();
    const taken = new Set(['alice']);
    api.route({
      method: 'post', path: '/users', summary: 'Register', tags: ['users'],
      request: { body: z.object({ name: z.string().refine(async (name) => !taken.has(name), { message: 'Name already taken' }) }) },
      responses: { 201: jsonResponse(z.object({ name: z.string() }), 'Created') },
      handler: (req, res) => res.status(201).json({ name: req.body.name }),
    });
    api.route({
      method: 'get', path: '/broken', summary: 'Broken schema', tags: ['x'],
      request: { query: z.object({ q: z.string().optional() }).transform(() => { throw new Error('schema bug'); }) },
      responses: { 200: jsonResponse(z.object({}), 'OK') },
      handler: (_req, res) => res.json({}),
    });
    const app = appWith(api);
    assert.equal((await request(app).post('/users').send({ name: 'bob' })).status, 201);
    const taken400 = await request(app).post('/users').send({ name: 'alice' });
    assert.equal(taken400.status, 400);
    assert.equal(taken400.body.detail[0].message, 'Name already taken');
    assert.equal((await request(app).get('/broken')).status, 500);
  });

  it('keeps Express\'s own route(path) working', async () => {
    const api = makeRouter();
    api.route('/plain').get((_req, res) => res.send('plain'));
    assert.equal((await request(appWith(api)).get('/plain')).text, 'plain');
  });

  it('leaves req.query untouched on routes without a query schema', async () => {
    const api = makeRouter();
    api.route({ method: 'get', path: '/q', summary: 'Raw query', tags: ['x'], responses: { 200: jsonResponse(z.object({ query: z.record(z.string(), z.unknown()), valid: z.unknown() }), 'OK') }, handler: (req, res) => res.json({ query: req.query, valid: req.valid.query }) });
    assert.deepEqual((await request(appWith(api)).get('/q?a=1')).body, { query: { a: '1' }, valid: { a: '1' } });
  });
});

describe('createApiRouter: declaration errors and the document', () => {
  it('writes /users/:id as /users/{id} and generates path params when no schema is given', async () => {
    const api = createApiRouter();
    api.route({ method: 'get', path: '/users/:userId/graphs/:id', summary: 'Get', tags: ['graphs'], responses: { 200: jsonResponse(z.record(z.string(), z.union([z.string(), z.array(z.string())])), 'OK') }, handler: (req, res) => res.json(req.params) });
    const document = generateOpenApiDocument(api, { title: 't', version: '1' });
    const operation = document.paths!['/users/{userId}/graphs/{id}']!.get as { parameters: { name: string; in: string; required: boolean }[]; responses: Record<string, unknown> };
    assert.deepEqual(operation.parameters.map((p) => [p.name, p.in, p.required]), [['userId', 'path', true], ['id', 'path', true]]);
    assert.ok('400' in operation.responses, 'validated routes document 400');
    await validateDocument(document);
  });

  it('rejects params schemas that do not match the path, optional/wildcard paths and duplicates', () => {
    const api = createApiRouter();
    const base = { method: 'get' as const, summary: 's', tags: ['t'], responses: { 200: jsonResponse(z.object({}), 'OK') }, handler: () => {} };
    assert.throws(() => api.route({ ...base, path: '/users/:id', request: { params: z.object({ userId: z.string() }) } }), (err: unknown) => err instanceof ConfigError && /missing id, not in path: userId/.test(err.message));
    assert.throws(() => api.route({ ...base, path: '/files/*rest' }), ConfigError);
    assert.throws(() => api.route({ ...base, path: '/users/:id?' }), ConfigError);
    assert.throws(() => api.route({ ...base, path: 'relative' }), ConfigError);
    api.route({ ...base, path: '/once' });
    assert.throws(() => api.route({ ...base, path: '/once' }), /declared twice/);
    assert.throws(() => api.route({ ...base, path: '/x', responses: {} }), /responses/);
    assert.throws(() => api.route({ ...base, path: '/y', summary: '' }), /summary/);
    assert.throws(() => api.route({ ...base, path: '/z', method: 'fetch' as never }), /method/);
  });

  it('accepts Express 4 regex suffixes and a basePath prefix in the document', () => {
    const api = createApiRouter({ basePath: '/api/', router: (express4 as unknown as { Router(): Router }).Router() });
    api.route({ method: 'get', path: '/items/:id(\\d+)', summary: 's', tags: ['t'], responses: { 200: jsonResponse(z.object({}), 'OK') }, handler: () => {} });
    const document = generateOpenApiDocument(api, { title: 't', version: '1' });
    assert.deepEqual(Object.keys(document.paths!), ['/api/items/{id}']);
  });

  it('shares one registry between routers', () => {
    const first = createApiRouter();
    const second = createApiRouter({ registry: first.registry });
    second.route({ method: 'get', path: '/b', summary: 's', tags: ['t'], responses: { 200: jsonResponse(z.object({}), 'OK') }, handler: () => {} });
    assert.ok(generateOpenApiDocument(first, { title: 't', version: '1' }).paths!['/b']);
  });
});
