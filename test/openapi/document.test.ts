import assert from 'node:assert/strict';
import { ConfigError } from '../../lib/config/index.js';
import { createApiRouter, generateOpenApiDocument, jsonResponse, OpenAPIRegistry, z, type ApiRouter } from '../../lib/openapi/index.js';
import { testOptionalUser, testRateLimit, testRequireAdmin, testRequireApiKey, testRequireUser, validateDocument } from './fixtures.js';

function sampleApi(): ApiRouter {
  const api = createApiRouter();
  const ok = { 200: jsonResponse(z.object({ ok: z.boolean() }), 'OK') };
  api.route({ method: 'get', path: '/public', summary: 'Public', tags: ['misc'], responses: ok, handler: () => {} });
  api.route({ method: 'get', path: '/me', summary: 'Me', tags: ['users'], middleware: [testRequireUser()], responses: ok, handler: () => {} });
  api.route({ method: 'get', path: '/admin', summary: 'Admin', tags: ['admin'], middleware: [testRequireAdmin()], responses: ok, handler: () => {} });
  api.route({ method: 'get', path: '/maybe', summary: 'Optional', tags: ['users'], middleware: testOptionalUser(), responses: ok, handler: () => {} });
  api.route({ method: 'get', path: '/key', summary: 'API key', tags: ['keys'], middleware: [testRequireApiKey()], responses: ok, handler: () => {} });
  api.route({ method: 'get', path: '/limited', summary: 'Limited', tags: ['misc'], middleware: [testRateLimit(2)], responses: ok, handler: () => {} });
  api.route({ method: 'get', path: '/both', summary: 'User and key', tags: ['keys'], middleware: [testRequireUser(), testRequireApiKey()], responses: ok, handler: () => {} });
  api.route({ method: 'get', path: '/opt-out', summary: 'Explicitly public', tags: ['misc'], middleware: [testRequireUser()], security: [], responses: ok, handler: () => {} });
  api.route({
    method: 'post',
    path: '/graphs/:id',
    summary: 'Body',
    tags: ['graphs'],
    request: { params: z.object({ id: z.string().uuid() }), query: z.object({ page: z.coerce.number().int().optional() }), body: z.object({ name: z.string(), at: z.string().datetime().nullable() }) },
    responses: { 201: jsonResponse(z.object({ id: z.string().nullable() }), 'Created') },
    handler: () => {},
  });
  return api;
}

const responsesOf = (document: ReturnType<typeof generateOpenApiDocument>, path: string, method = 'get') =>
  Object.keys((document.paths![path]![method] as { responses: Record<string, unknown> }).responses).sort();

describe('generateOpenApiDocument', () => {
  for (const version of ['3.1.0', '3.0.3']) {
    it(`writes a valid OpenAPI ${version} document (swagger-parser)`, async () => {
      const document = generateOpenApiDocument(sampleApi(), { title: 'Sample', version: '1.2.3' }, version === '3.1.0' ? {} : { openapi: version });
      assert.equal(document.openapi, version);
      await validateDocument(document);
    });
  }

  it('registers the HTTPBearerJWT, APIKeyHeader and SessionCookie schemes', () => {
    const schemes = generateOpenApiDocument(new OpenAPIRegistry(), { title: 't', version: '1' }).components!.securitySchemes!;
    assert.deepEqual(schemes.HTTPBearerJWT, { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Supabase-style JWT: `Authorization: Bearer <token>`.' });
    assert.equal((schemes.APIKeyHeader as { in: string; name: string }).in, 'header');
    assert.equal((schemes.APIKeyHeader as { in: string; name: string }).name, 'X-API-Key');
    assert.equal((schemes.SessionCookie as { in: string }).in, 'cookie');
  });

  it('derives security, 401, 403 and 429 from the middleware list', () => {
    const document = generateOpenApiDocument(sampleApi(), { title: 't', version: '1' });
    const op = (path: string) => document.paths![path]!.get as { security?: unknown };
    assert.equal(op('/public').security, undefined);
    assert.deepEqual(responsesOf(document, '/public'), ['200']);
    assert.deepEqual(op('/me').security, [{ HTTPBearerJWT: [] }]);
    assert.deepEqual(responsesOf(document, '/me'), ['200', '401']);
    assert.deepEqual(responsesOf(document, '/admin'), ['200', '401', '403']);
    assert.deepEqual(op('/maybe').security, [{ HTTPBearerJWT: [] }, {}]);
    assert.deepEqual(responsesOf(document, '/maybe'), ['200']);
    assert.deepEqual(responsesOf(document, '/key'), ['200', '401']);
    assert.deepEqual(responsesOf(document, '/limited'), ['200', '429']);
    assert.deepEqual(op('/both').security, [{ HTTPBearerJWT: [], APIKeyHeader: [] }]);
    assert.deepEqual(op('/opt-out').security, []);
    assert.deepEqual(responsesOf(document, '/opt-out'), ['200']);
    assert.deepEqual(responsesOf(document, '/graphs/{id}', 'post'), ['201', '400', '413']);
    const body = (document.paths!['/graphs/{id}']!.post as { requestBody: { required: boolean } }).requestBody;
    assert.equal(body.required, true);
  });

  it('applies root security and documents 401 for routes without their own', () => {
    const document = generateOpenApiDocument(sampleApi(), { title: 't', version: '1' }, { security: [{ HTTPBearerJWT: [] }] });
    assert.deepEqual(responsesOf(document, '/public'), ['200', '401']);
    assert.deepEqual(responsesOf(document, '/opt-out'), ['200']);
  });

  it('does not modify the registry (generating twice gives the same document)', () => {
    const api = sampleApi();
    const before = api.registry.definitions.length;
    const first = generateOpenApiDocument(api, { title: 't', version: '1' });
    const second = generateOpenApiDocument(api, { title: 't', version: '1' });
    assert.equal(api.registry.definitions.length, before);
    assert.deepEqual(second, first);
  });

  it('keeps or strips the x-platform-kit extension', () => {
    const kept = generateOpenApiDocument(sampleApi(), { title: 't', version: '1' });
    assert.deepEqual((kept.paths!['/limited']!.get as Record<string, unknown>)['x-platform-kit'], { rateLimit: [{ limit: 2, windowMs: 60000, algorithm: 'fixed-window' }] });
    const stripped = generateOpenApiDocument(sampleApi(), { title: 't', version: '1' }, { stripExtensions: true });
    assert.equal((stripped.paths!['/limited']!.get as Record<string, unknown>)['x-platform-kit'], undefined);
    assert.deepEqual(responsesOf(stripped, '/limited'), ['200', '429']);
  });

  it('throws a ConfigError for a bad info, version or registry', () => {
    assert.throws(() => generateOpenApiDocument(new OpenAPIRegistry(), { title: '', version: '1' }), ConfigError);
    assert.throws(() => generateOpenApiDocument(new OpenAPIRegistry(), { title: 't', version: '1' }, { openapi: '2.0' }), /3\.0\.x or 3\.1\.x/);
    assert.throws(() => generateOpenApiDocument({} as never, { title: 't', version: '1' }), ConfigError);
  });

  it('accepts several routers at once', () => {
    const a = createApiRouter();
    const b = createApiRouter();
    a.route({ method: 'get', path: '/a', summary: 'a', tags: ['t'], responses: { 200: jsonResponse(z.object({}), 'OK') }, handler: () => {} });
    b.route({ method: 'get', path: '/b', summary: 'b', tags: ['t'], responses: { 200: jsonResponse(z.object({}), 'OK') }, handler: () => {} });
    assert.deepEqual(Object.keys(generateOpenApiDocument([a, b.registry], { title: 't', version: '1' }).paths!).sort(), ['/a', '/b']);
  });
});

describe('z (zod with the OpenAPI extension)', () => {
  it('has .openapi() without any setup, and named schemas become components', () => {
    const Pet = z.object({ name: z.string().openapi({ example: 'Rex' }) }).openapi('Pet');
    const registry = new OpenAPIRegistry();
    registry.registerPath({ method: 'get', path: '/pet', responses: { 200: { description: 'OK', content: { 'application/json': { schema: Pet } } } } });
    const document = generateOpenApiDocument(registry, { title: 't', version: '1' });
    assert.deepEqual(document.components!.schemas!.Pet, { type: 'object', properties: { name: { type: 'string', example: 'Rex' } }, required: ['name'] });
  });
});
