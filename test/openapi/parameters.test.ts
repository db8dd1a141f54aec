/**
 * Parameters are documented as the router validates them: a query string, path, header or
 * cookie never carries a JSON null, and a parameter is required exactly when leaving it out
 * is a 400 — whatever zod-to-openapi guesses from `safeParse(null)` (z.coerce accepts null).
 */
import assert from 'node:assert/strict';
import request from 'supertest';
import { errorHandler } from '../../lib/errors/index.js';
import { createApiRouter, generateOpenApiDocument, jsonResponse, z, type ApiRouter } from '../../lib/openapi/index.js';
import { forEachExpress } from '../support/express.js';
import { validateDocument } from './fixtures.js';

type Parameter = { name: string; in: string; required: boolean; schema: Record<string, unknown> };

function api(): ApiRouter {
  const router = createApiRouter();
  router.route({
    method: 'get',
    path: '/items/:id',
    summary: 'Items',
    request: {
      params: z.object({ id: z.coerce.number().int().min(0) }),
      query: z.object({
        offset: z.coerce.number().int().min(0).default(0),
        after: z.coerce.number().int().min(0),
        flag: z.coerce.boolean().optional(),
        label: z.string().nullable(),
        page: z.coerce.number().int().min(1).optional(),
      }),
      headers: z.object({ 'x-trace': z.coerce.number().min(0) }),
    },
    responses: { 200: jsonResponse(z.object({ ok: z.boolean() }), 'OK') },
    handler: (_req, res) => res.json({ ok: true }),
  });
  return router;
}

const parametersOf = (version: string) => {
  const document = generateOpenApiDocument(api(), { title: 't', version: '1' }, { openapi: version });
  const operation = document.paths!['/items/{id}']!.get as { parameters: Parameter[] };
  return { document, byName: Object.fromEntries(operation.parameters.map((p) => [p.name, p])) as Record<string, Parameter> };
};

describe('documented parameters', () => {
  for (const version of ['3.1.0', '3.0.3']) {
    it(`are never nullable (OpenAPI ${version})`, async () => {
      const { document, byName } = parametersOf(version);
      for (const parameter of Object.values(byName)) {
        assert.equal(parameter.schema.nullable, undefined, `${parameter.name}: no nullable`);
        assert.ok(!Array.isArray(parameter.schema.type), `${parameter.name}: one type, got ${JSON.stringify(parameter.schema.type)}`);
      }
      assert.deepEqual(byName.offset!.schema, { type: 'integer', minimum: 0, default: 0 });
      assert.equal(byName.label!.schema.type, 'string');
      await validateDocument(document);
    });
  }

  it('are required exactly when the router answers 400 without them; path parameters always', () => {
    const { byName } = parametersOf('3.1.0');
    const required = Object.fromEntries(Object.values(byName).map((p) => [p.name, p.required]));
    assert.deepEqual(required, { id: true, offset: false, after: true, flag: false, label: true, page: false, 'x-trace': true });
  });
});

forEachExpress('documented parameters match validation', ({ create }) => {
  it('a request without a required parameter is a 400 naming it; with them all, a 200', async () => {
    const app = create();
    app.use(api(), errorHandler());
    const missing = await request(app).get('/items/1?label=x').set('x-trace', '1').expect(400);
    assert.deepEqual(
      missing.body.detail.map((issue: { location: string; path: string }) => `${issue.location}.${issue.path}`),
      ['query.after'],
    );
    await request(app).get('/items/1?after=0&label=x').expect(400);
    await request(app).get('/items/1?after=0').set('x-trace', '1').expect(400);
    await request(app).get('/items/1?after=0&label=x').set('x-trace', '1').expect(200);
  });
});
