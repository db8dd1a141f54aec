import assert from 'node:assert/strict';
import { ConfigError } from '../../lib/config/index.js';
import { expressPathToOpenApi } from '../../lib/openapi/path.js';
import { andSecurity, deriveOperationSecurity } from '../../lib/openapi/security.js';
import { testOptionalUser, testRateLimit, testRequireAdmin, testRequireApiKey, testRequireUser } from './fixtures.js';

describe('expressPathToOpenApi', () => {
  it('turns named parameters into templates and lists them in order', () => {
    assert.deepEqual(expressPathToOpenApi('/users/:userId/graphs/:graph_id'), { openApiPath: '/users/{userId}/graphs/{graph_id}', paramNames: ['userId', 'graph_id'] });
    assert.deepEqual(expressPathToOpenApi('/'), { openApiPath: '/', paramNames: [] });
    assert.deepEqual(expressPathToOpenApi('/files/:name.:ext'), { openApiPath: '/files/{name}.{ext}', paramNames: ['name', 'ext'] });
  });

  it('drops Express 4 regex suffixes, applies a basePath and trims trailing slashes', () => {
    assert.equal(expressPathToOpenApi('/items/:id(\\d+)/').openApiPath, '/items/{id}');
    assert.equal(expressPathToOpenApi('/', '/api/').openApiPath, '/api');
    assert.equal(expressPathToOpenApi('/x', '/api').openApiPath, '/api/x');
  });

  it('rejects what OpenAPI cannot describe', () => {
    for (const path of ['/a/:id?', '/a/*', '/a/*rest', '/a{/:opt}', '/a/:id+', '/a/:id/:id', 'no-slash', '']) {
      assert.throws(() => expressPathToOpenApi(path), ConfigError, path);
    }
  });
});

describe('security derived from middleware metadata', () => {
  it('ANDs requirements as a cross product, uniting scopes of the same scheme', () => {
    assert.deepEqual(andSecurity([{ A: [] }, {}], [{ B: ['x'] }]), [{ A: [], B: ['x'] }, { B: ['x'] }]);
    assert.deepEqual(andSecurity([{ A: ['r'] }], [{ A: ['w'] }]), [{ A: ['r', 'w'] }]);
  });

  it('collects 401, 403 and 429 facts from the middleware list', () => {
    const { security, extension } = deriveOperationSecurity([testRequireAdmin(), testRateLimit(5, 1000), () => {}]);
    assert.deepEqual(security, [{ HTTPBearerJWT: [] }]);
    assert.deepEqual(extension, { unauthorized: true, forbidden: 'Admin access required', rateLimit: [{ limit: 5, windowMs: 1000, algorithm: 'fixed-window' }] });
  });

  it('inherits the root security when no middleware says anything', () => {
    assert.deepEqual(deriveOperationSecurity([() => {}]), { extension: {} });
  });

  it('marks optional auth as never answering 401, and explicit [] as public', () => {
    assert.deepEqual(deriveOperationSecurity([testOptionalUser()]).extension, { unauthorized: false });
    assert.deepEqual(deriveOperationSecurity([testRequireUser()], []), { security: [], extension: {} });
  });

  it('ANDs an explicit security with the derived one', () => {
    assert.deepEqual(deriveOperationSecurity([testRequireUser(), testRequireApiKey()], [{ HTTPBearerJWT: ['admin'] }]).security, [{ HTTPBearerJWT: ['admin'], APIKeyHeader: [] }]);
  });
});
