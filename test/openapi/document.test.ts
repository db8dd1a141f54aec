import assert from 'node:assert/strict';
import { ConfigError } from '../../lib/config/index.js';
import { createApiRouter, generateOpenApiDocument, jsonResponse, OpenAPIRegistry, withOpenApiMetadata, z, type ApiRouter } from '../../lib/openapi/index.js';
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

  it('defines the HTTPBearerJWT, APIKeyHeader and SessionCookie schemes only where an operation uses them', () => {
    const none = generateOpenApiDocument(new OpenAPIRegistry(), { title: 't', version: '1' });
    assert.equal(none.components?.securitySchemes, undefined, 'no operation, no scheme');
    const bearerOnly = createApiRouter();
    bearerOnly.route({ method: 'get', path: '/me', summary: 'Me', middleware: [testRequireUser()], responses: { 200: jsonResponse(z.object({}), 'OK') }, handler: () => {} });
    assert.deepEqual(Object.keys(generateOpenApiDocument(bearerOnly, { title: 't', version: '1' }).components!.securitySchemes!), ['HTTPBearerJWT']);
    const viaRoot = generateOpenApiDocument(new OpenAPIRegistry(), { title: 't', version: '1' }, { security: [{ SessionCookie: [] }], sessionCookieName: 'sid' });
    assert.deepEqual(viaRoot.components!.securitySchemes, { SessionCookie: { type: 'apiKey', in: 'cookie', name: 'sid', description: 'Session cookie.' } });
    const schemes = generateOpenApiDocument(sampleApi(), { title: 't', version: '1' }).components!.securitySchemes!;
    assert.deepEqual(Object.keys(schemes).sort(), ['APIKeyHeader', 'HTTPBearerJWT']);
    assert.deepEqual(schemes.HTTPBearerJWT, { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Supabase-style JWT: `Authorization: Bearer <token>`.' });
    assert.equal((schemes.APIKeyHeader as { in: string; name: string }).in, 'header');
    assert.equal((schemes.APIKeyHeader as { in: string; name: string }).name, 'X-API-Key');
  });

  it("describes the 401 component with the reference service's text", () => {
    const document = generateOpenApiDocument(sampleApi(), { title: 't', version: '1' });
    assert.equal((document.components!.responses!.HTTP401NotAuthenticatedError as { description: string }).description, 'Authentication required');
  });

  it('documents app-level middleware on every operation (generateOpenApiDocument({ middleware }))', async () => {
    const globalLimit = testRateLimit(100);
    const document = generateOpenApiDocument(sampleApi(), { title: 't', version: '1' }, { middleware: [globalLimit] });
    for (const [path, item] of Object.entries(document.paths!)) {
      for (const method of Object.keys(item)) assert.ok(responsesOf(document, path, method).includes('429'), `${method} ${path} lists 429`);
    }
    const limited = document.paths!['/limited']!.get as { 'x-platform-kit': { rateLimit: { limit: number }[] } };
    assert.deepEqual(limited['x-platform-kit'].rateLimit.map((p) => p.limit), [100, 2], 'app-level limit first: it runs first');
    assert.deepEqual(responsesOf(document, '/me'), ['200', '401', '429']);
    const appAuth = generateOpenApiDocument(sampleApi(), { title: 't', version: '1' }, { middleware: [testRequireUser()] });
    assert.deepEqual((appAuth.paths!['/opt-out']!.get as { security: unknown }).security, [{ HTTPBearerJWT: [] }], 'app-level auth runs even before a public route');
    assert.deepEqual((appAuth.paths!['/key']!.get as { security: unknown }).security, [{ HTTPBearerJWT: [], APIKeyHeader: [] }]);
    await validateDocument(document);
    assert.throws(() => generateOpenApiDocument(sampleApi(), { title: 't', version: '1' }, { middleware: globalLimit as never }), /middleware/);
  });

  it('app-level middleware that exempts a path is not documented on it', () => {
    const limit = withOpenApiMetadata(function limit(_req: unknown, _res: unknown, next: () => void) {
      next();
    } as never, { rateLimit: { limit: 5, windowMs: 1000 }, exemptPaths: ['/public', /^\/limited$/] });
    const document = generateOpenApiDocument(sampleApi(), { title: 't', version: '1' }, { middleware: [limit] });
    assert.deepEqual(responsesOf(document, '/public'), ['200']);
    assert.deepEqual(responsesOf(document, '/me'), ['200', '401', '429']);
    const limited = document.paths!['/limited']!.get as { 'x-platform-kit': { rateLimit: unknown[] } };
    assert.equal(limited['x-platform-kit'].rateLimit.length, 1, 'only its own limit');
  });

  it('documents router-level middleware on every route of the router (createApiRouter({ middleware }))', () => {
    const api = createApiRouter({ middleware: [testRateLimit(5)] });
    api.route({ method: 'get', path: '/a', summary: 'A', responses: { 200: jsonResponse(z.object({}), 'OK') }, handler: () => {} });
    const document = generateOpenApiDocument(api, { title: 't', version: '1' });
    assert.deepEqual(responsesOf(document, '/a'), ['200', '429']);
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
