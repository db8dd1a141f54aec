/**
 * responseValidation: the handler's JSON against the schema documented for the status sent.
 */
import assert from 'node:assert/strict';
import express4 from 'express4';
import express5, { type Router } from 'express';
import request from 'supertest';
import { ConfigError } from '../../lib/config/index.js';
import { errorHandler } from '../../lib/errors/index.js';
import { createApiRouter, ErrorDetailBody, generateOpenApiDocument, jsonResponse, z, type ApiRouter } from '../../lib/openapi/index.js';
import { forEachExpress } from '../support/express.js';
import { validateDocument } from './fixtures.js';

const User = z.object({ id: z.string(), profile: z.object({ name: z.string() }).optional() });
const leaky = { id: 'u1', passwordHash: 'scrypt$secret', profile: { name: 'Ada', email: 'ada@example.test' } };

forEachExpress('route(): responseValidation', ({ name, create }) => {
  const routerFor = (responseValidation?: 'strip' | 'error' | 'off'): ApiRouter =>
    createApiRouter({ router: (name === 'express4' ? (express4 as unknown as { Router(): Router }).Router() : express5.Router()), ...(responseValidation !== undefined ? { responseValidation } : {}) });

  function appWith(api: ApiRouter, errors: unknown[]) {
    const app = create();
    app.use(api);
    app.use(errorHandler({ onServerError: (err) => errors.push(err) }));
    return app;
  }

  it("strip (the default) sends the documented fields only: a handler's passwordHash never leaves", async () => {
    const api = routerFor();
    api.route({ method: 'get', path: '/me', summary: 'Me', responses: { 200: jsonResponse(User, 'Me') }, handler: (_req, res) => res.json(leaky) });
    api.route({ method: 'get', path: '/send', summary: 'Send', responses: { 200: jsonResponse(User, 'Me') }, handler: (_req, res) => res.send(leaky) });
    const errors: unknown[] = [];
    const app = appWith(api, errors);
    assert.deepEqual((await request(app).get('/me').expect(200)).body, { id: 'u1', profile: { name: 'Ada' } });
    assert.deepEqual((await request(app).get('/send').expect(200)).body, { id: 'u1', profile: { name: 'Ada' } }, 'res.send(object) too');
    assert.deepEqual(errors, []);
    await validateDocument(generateOpenApiDocument(api, { title: 't', version: '1' }));
  });

  it('a body the schema rejects is a 500 ERR_RESPONSE_INVALID logged with the issues, never sent', async () => {
    const api = routerFor();
    api.route({ method: 'get', path: '/me', summary: 'Me', responses: { 200: jsonResponse(User, 'Me') }, handler: (_req, res) =>
      // @ts-expect-error id is documented as a string: the type of res.json() already refuses it
      res.json({ id: 42, passwordHash: 'scrypt$secret' }) });
    const errors: { code?: string; message: string }[] = [];
    const res = await request(appWith(api, errors)).get('/me').expect(500);
    assert.deepEqual(res.body, { detail: 'Internal Server Error' });
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.code, 'ERR_RESPONSE_INVALID');
    assert.match(errors[0]!.message, /GET \/me 200 response does not match its documented schema: id: Invalid input: expected string, received number/);
    assert.doesNotMatch(errors[0]!.message, /secret|42/, 'values are never in the message');
  });

  it('checks the wire form of values with toJSON (a Date documented as a string)', async () => {
    const api = routerFor('error');
    const Event = z.object({ at: z.string().datetime(), when: z.date() });
    const at = new Date('2026-01-02T03:04:05.000Z');
    api.route({ method: 'get', path: '/event', summary: 'Event', responses: { 200: jsonResponse(Event, 'Event') }, handler: (_req, res) => res.json({ at, when: at }) });
    api.route({ method: 'get', path: '/date', summary: 'Date', responses: { 200: jsonResponse(z.object({ at: z.string().datetime() }), 'Event') }, handler: (_req, res) => res.json({ at }) });
    const errors: unknown[] = [];
    const app = appWith(api, errors);
    await request(app).get('/event').expect(500); // z.date() and z.string() cannot both match one form
    assert.deepEqual((await request(app).get('/date').expect(200)).body, { at: '2026-01-02T03:04:05.000Z' });
    assert.equal(errors.length, 1);
  });

  it('error mode also refuses undocumented fields, naming their paths', async () => {
    const api = routerFor('error');
    api.route({ method: 'get', path: '/me', summary: 'Me', responses: { 200: jsonResponse(User, 'Me') }, handler: (_req, res) => res.json(leaky) });
    api.route({ method: 'get', path: '/ok', summary: 'Ok', responses: { 200: jsonResponse(User, 'Me') }, handler: (_req, res) => res.json({ id: 'u1' }) });
    const errors: { message: string }[] = [];
    const app = appWith(api, errors);
    await request(app).get('/me').expect(500);
    assert.match(errors[0]!.message, /passwordHash: undocumented field; profile\.email: undocumented field/);
    assert.deepEqual((await request(app).get('/ok').expect(200)).body, { id: 'u1' });
  });

  it("checks the schema of the status sent (exact, then 2XX, then default); a route's option beats the router's", async () => {
    const api = routerFor('off');
    api.route({
      method: 'post', path: '/users', summary: 'Create', responseValidation: 'strip',
      responses: { 201: jsonResponse(User, 'Created'), '4XX': jsonResponse(ErrorDetailBody, 'Refused'), default: jsonResponse(z.object({ other: z.string() }), 'Other') },
      handler: (req, res) => {
        const status = Number(req.query.status ?? 201);
        res.status(status).json({ ...leaky, detail: 'nope', other: 'x' });
      },
    });
    api.route({ method: 'get', path: '/off', summary: 'Off', responses: { 200: jsonResponse(User, 'Me') }, handler: (_req, res) => res.json(leaky) });
    const app = appWith(api, []);
    assert.deepEqual((await request(app).post('/users').expect(201)).body, { id: 'u1', profile: { name: 'Ada' } });
    assert.deepEqual((await request(app).post('/users?status=409').expect(409)).body, { detail: 'nope' });
    assert.deepEqual((await request(app).post('/users?status=202').expect(202)).body, { other: 'x' });
    assert.deepEqual((await request(app).get('/off').expect(200)).body, leaky, "the router's 'off'");
  });

  it("the error handler's own {detail} bodies and later routes are not checked against the route's schemas", async () => {
    const api = routerFor();
    api.route({ method: 'get', path: '/fails', summary: 'Fails', responses: { 200: jsonResponse(User, 'Me'), 404: jsonResponse(z.object({ reason: z.string() }), 'Gone') }, handler: () => {
      throw Object.assign(new Error('gone'), { status: 404, expose: true });
    } });
    api.route({ method: 'get', path: '/next', summary: 'Next', responses: { 200: jsonResponse(User, 'Me') }, handler: (_req, _res, next) => next() });
    const app = create();
    app.use(api);
    app.get('/next', (_req, res) => res.json({ anything: true }));
    app.use(errorHandler({ onServerError: (err) => assert.fail(`5xx: ${String(err)}`) }));
    assert.deepEqual((await request(app).get('/fails').expect(404)).body, { detail: 'gone' });
    assert.deepEqual((await request(app).get('/next').expect(200)).body, { anything: true });
  });

  it('refuses an unknown mode when the router or the route is declared', () => {
    assert.throws(() => createApiRouter({ responseValidation: 'loose' as never }), (err: unknown) => err instanceof ConfigError && /responseValidation/.test(err.message));
    const api = routerFor();
    assert.throws(() => api.route({ method: 'get', path: '/x', summary: 'X', responseValidation: 'on' as never, responses: { 200: jsonResponse(User, 'Me') }, handler: (_req, res) => res.end() }), /responseValidation/);
  });
});
