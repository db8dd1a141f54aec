import assert from 'node:assert/strict';
import { addAuthResponses, type OpenApiDocument } from '../../lib/openapi/index.js';
import { validateDocument } from './fixtures.js';

const REF_401 = { $ref: '#/components/responses/HTTP401NotAuthenticatedError' };

function doc(operation: Record<string, unknown>, root: Partial<OpenApiDocument> = {}): OpenApiDocument {
  return {
    openapi: '3.1.0',
    info: { title: 't', version: '1' },
    components: {
      securitySchemes: {
        HTTPBearerJWT: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        APIKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
    },
    paths: { '/things': { get: { responses: { 200: { description: 'OK' } }, ...operation } } },
    ...root,
  };
}

const op = (document: OpenApiDocument) => document.paths!['/things']!.get as { responses: Record<string, unknown> };

describe('addAuthResponses', () => {
  it('adds a 401 $ref and its { detail: string } component for an operation with its own bearer security', async () => {
    const result = addAuthResponses(doc({ security: [{ HTTPBearerJWT: [] }] }));
    assert.deepEqual(op(result).responses['401'], REF_401);
    const component = result.components!.responses!.HTTP401NotAuthenticatedError as { content: Record<string, { schema: unknown }> };
    assert.deepEqual(component.content['application/json']!.schema, { type: 'object', properties: { detail: { type: 'string' } }, required: ['detail'] });
    await validateDocument(result);
  });

  it('honours the root security for operations without their own', () => {
    const result = addAuthResponses(doc({}, { security: [{ HTTPBearerJWT: [] }] }));
    assert.deepEqual(op(result).responses['401'], REF_401);
  });

  it('leaves an operation that opts out with security: [] alone, even under root security', () => {
    const result = addAuthResponses(doc({ security: [] }, { security: [{ HTTPBearerJWT: [] }] }));
    assert.equal(op(result).responses['401'], undefined);
    assert.equal(result.components?.responses, undefined);
  });

  it('adds 401 for an API-key scheme', () => {
    const result = addAuthResponses(doc({ security: [{ APIKeyHeader: [] }] }));
    assert.deepEqual(op(result).responses['401'], REF_401);
  });

  it('adds 401 for a session cookie scheme', () => {
    const document = doc({ security: [{ SessionCookie: [] }] });
    (document.components!.securitySchemes as Record<string, unknown>).SessionCookie = { type: 'apiKey', in: 'cookie', name: 'session' };
    assert.deepEqual(op(addAuthResponses(document)).responses['401'], REF_401);
  });

  it('is idempotent: twice gives a deep-equal document', () => {
    const document = doc({ security: [{ HTTPBearerJWT: [] }], 'x-platform-kit': { forbidden: 'Admin', rateLimit: [{ limit: 1, windowMs: 1000 }] } });
    const once = structuredClone(addAuthResponses(document));
    const twice = addAuthResponses(structuredClone(once));
    assert.deepEqual(twice, once);
  });

  it('keeps a 401 the author wrote and a component already defined', () => {
    const authors401 = { description: 'Custom', content: { 'text/plain': { schema: { type: 'string' } } } };
    const document = doc({ security: [{ HTTPBearerJWT: [] }], responses: { 200: { description: 'OK' }, 401: authors401 } });
    const result = addAuthResponses(document);
    assert.deepEqual(op(result).responses['401'], authors401);
    const mine = { description: 'Mine' };
    const other = doc({ security: [{ HTTPBearerJWT: [] }] }, {});
    other.components!.responses = { HTTP401NotAuthenticatedError: mine };
    assert.deepEqual(addAuthResponses(other).components!.responses!.HTTP401NotAuthenticatedError, mine);
  });

  it('leaves an operation without security (own or root) untouched', () => {
    const document = doc({});
    const before = structuredClone(document);
    assert.deepEqual(addAuthResponses(document), before);
  });

  it('does not document 401 for optional auth (an anonymous {} alternative)', () => {
    const result = addAuthResponses(doc({ security: [{ HTTPBearerJWT: [] }, {}] }));
    assert.equal(op(result).responses['401'], undefined);
  });

  it('ignores schemes that are not authentication schemes when authSchemes is given', () => {
    const result = addAuthResponses(doc({ security: [{ HTTPBearerJWT: [] }] }), { authSchemes: ['APIKeyHeader'] });
    assert.equal(op(result).responses['401'], undefined);
  });

  it('adds 403 for admin-only operations and 429 with rate-limit headers for rate-limited ones', async () => {
    const result = addAuthResponses(
      doc({ security: [{ HTTPBearerJWT: [] }], 'x-platform-kit': { unauthorized: true, forbidden: 'Admin access required', rateLimit: [{ limit: 5, windowMs: 60000 }] } }),
    );
    const responses = op(result).responses;
    assert.deepEqual(responses['403'], { $ref: '#/components/responses/HTTP403ForbiddenError' });
    assert.deepEqual(responses['429'], { $ref: '#/components/responses/HTTP429TooManyRequestsError' });
    const tooMany = result.components!.responses!.HTTP429TooManyRequestsError as { headers: Record<string, unknown> };
    for (const header of ['Retry-After', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'RateLimit', 'RateLimit-Policy']) {
      assert.ok(tooMany.headers[header], `429 documents ${header}`);
    }
    await validateDocument(result);
    await validateDocument({ ...structuredClone(result), openapi: '3.0.3' });
  });

  it('adds 503 for middlewares that fail closed', () => {
    const result = addAuthResponses(doc({ 'x-platform-kit': { serviceUnavailable: 'Redis down' } }));
    assert.deepEqual(op(result).responses['503'], { $ref: '#/components/responses/HTTP503ServiceUnavailableError' });
  });

  it('lets a middleware flag unauthorized: false win over the security list', () => {
    const result = addAuthResponses(doc({ security: [{ HTTPBearerJWT: [] }], 'x-platform-kit': { unauthorized: false } }));
    assert.equal(op(result).responses['401'], undefined);
  });

  it('returns the same document object', () => {
    const document = doc({});
    assert.equal(addAuthResponses(document), document);
  });
});
