import assert from 'node:assert/strict';
import type { RequestHandler } from 'express';
import request from 'supertest';
import {
  claimCheck,
  claimEquals,
  claimIncludes,
  createJwtVerifier,
  optionalUser,
  requiredScopes,
  requireUser,
  scopeIncludesAny,
} from '../../lib/auth/index.js';
import { ConfigError } from '../../lib/config/index.js';
import { errorHandler } from '../../lib/errors/index.js';
import { createApiRouter, generateOpenApiDocument, jsonResponse, z } from '../../lib/openapi/index.js';
import { validateDocument } from '../openapi/fixtures.js';
import { forEachExpress } from '../support/express.js';
import { signToken, supabaseClaims, TEST_HS_SECRET } from '../support/jwt.js';

const verifier = createJwtVerifier({ env: {}, verifyKey: TEST_HS_SECRET });
const token = (claims = {}) => signToken(supabaseClaims(claims));

forEachExpress('scope and claim checks', ({ create }) => {
  function appWith(...middleware: RequestHandler[]) {
    const app = create();
    app.get('/r', ...middleware, (_req, res) => res.json({ ok: true }));
    app.use(errorHandler());
    return app;
  }
  const get = async (app: ReturnType<typeof appWith>, claims?: Record<string, unknown>) => {
    const req = request(app).get('/r');
    if (claims !== undefined) req.set('Authorization', `Bearer ${await token(claims)}`);
    return req;
  };

  it('requiredScopes needs every scope, read from scope (string), scp or permissions (arrays)', async () => {
    const app = appWith(requireUser({ verifier }), requiredScopes('read:msg write:msg'));
    for (const claims of [{ scope: 'openid read:msg write:msg' }, { scp: ['write:msg', 'read:msg'] }, { permissions: ['read:msg', 'write:msg'] }, { scope: 'read:msg', permissions: ['write:msg'] }]) {
      const res = await get(app, claims);
      assert.equal(res.status, 200, JSON.stringify(claims));
    }
    const partial = await get(app, { scope: 'read:msg' });
    assert.equal(partial.status, 403);
    assert.deepEqual(partial.body, { detail: 'Insufficient Scope' });
    assert.equal(partial.headers['www-authenticate'], 'Bearer error="insufficient_scope", error_description="Insufficient Scope", scope="read:msg write:msg"');
    const none = await get(app, {});
    assert.equal(none.status, 403);
    assert.deepEqual(none.body, { detail: "Missing 'scope' claim" });
    // a scope that merely contains the name does not count
    assert.equal((await get(app, { scope: 'read:msg write:msgs' })).status, 403);
    assert.equal((await get(app, { scope: ['read:msg', 'write:msg'] })).status, 200);
  });

  it('scopeIncludesAny needs one of the scopes', async () => {
    const app = appWith(requireUser({ verifier }), scopeIncludesAny(['read:msg', 'admin']));
    assert.equal((await get(app, { scope: 'admin' })).status, 200);
    const res = await get(app, { scope: 'write:msg' });
    assert.equal(res.status, 403);
    assert.match(String(res.headers['www-authenticate']), /scope="read:msg admin"$/);
  });

  it('claimEquals / claimIncludes / claimCheck answer 401 invalid_token like express-oauth2-jwt-bearer', async () => {
    const equals = appWith(requireUser({ verifier }), claimEquals('org_id', 'org_1'));
    assert.equal((await get(equals, { org_id: 'org_1' })).status, 200);
    const wrong = await get(equals, { org_id: 'org_2' });
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.body, { detail: "Unexpected 'org_id' value" });
    assert.ok(!wrong.text.includes('org_2'), 'the claim value is never echoed');
    assert.match(String(wrong.headers['www-authenticate']), /^Bearer error="invalid_token"/);
    assert.deepEqual((await get(equals, {})).body, { detail: "Missing 'org_id' claim" });
    assert.equal((await get(equals, { org_id: ['org_1'] })).status, 401, 'no coercion');

    const includes = appWith(requireUser({ verifier }), claimIncludes('roles', 'editor', 'viewer'));
    assert.equal((await get(includes, { roles: ['viewer', 'editor', 'x'] })).status, 200);
    assert.equal((await get(includes, { roles: 'viewer editor' })).status, 200);
    assert.equal((await get(includes, { roles: ['viewer'] })).status, 401);
    assert.equal((await get(includes, { roles: 7 })).status, 401);

    const check = appWith(requireUser({ verifier }), claimCheck((p) => p.beta === true, 'Beta access required'));
    assert.equal((await get(check, { beta: true })).status, 200);
    assert.deepEqual((await get(check, { beta: 'yes' })).body, { detail: 'Beta access required' });
    const throwing = appWith(requireUser({ verifier }), claimCheck(() => { throw new Error('boom'); }));
    const res = await get(throwing, {});
    assert.equal(res.status, 401, 'a throwing check is a refusal, not a 500');
  });

  it('without an authenticated request the checks answer 401 (no error code), never 500', async () => {
    for (const check of [requiredScopes('a'), claimEquals('a', 1), claimCheck(() => true)]) {
      const bare = await get(appWith(check));
      assert.equal(bare.status, 401);
      assert.equal(bare.headers['www-authenticate'], 'Bearer');
      const anonymous = await get(appWith(optionalUser({ verifier }), check));
      assert.equal(anonymous.status, 401);
    }
  });
});

describe('scope and claim checks: options and the OpenAPI document', () => {
  it('refuses bad options at startup with a ConfigError', () => {
    assert.throws(() => requiredScopes(''), ConfigError);
    assert.throws(() => requiredScopes(['a"b']), ConfigError);
    assert.throws(() => scopeIncludesAny(7 as never), ConfigError);
    assert.throws(() => claimEquals('', 'x'), ConfigError);
    assert.throws(() => claimEquals('a', {} as never), ConfigError);
    assert.throws(() => claimIncludes('a'), ConfigError);
    assert.throws(() => claimCheck('no' as never), ConfigError);
  });

  it('writes the required scopes into the security requirement and lists the 403', async () => {
    const api = createApiRouter();
    const ok = { 200: jsonResponse(z.object({}), 'OK') };
    api.route({ method: 'get', path: '/all', summary: 'All', middleware: [requireUser({ verifier }), requiredScopes('read:msg write:msg')], responses: ok, handler: () => {} });
    api.route({ method: 'get', path: '/any', summary: 'Any', middleware: [requireUser({ verifier }), scopeIncludesAny('a b')], responses: ok, handler: () => {} });
    api.route({ method: 'get', path: '/claim', summary: 'Claim', middleware: [requireUser({ verifier }), claimEquals('org', 'x')], responses: ok, handler: () => {} });
    const document = generateOpenApiDocument(api, { title: 't', version: '1' });
    await validateDocument(document);
    const op = (path: string) => document.paths![path]!.get as { security: unknown; responses: Record<string, unknown> };
    assert.deepEqual(op('/all').security, [{ HTTPBearerJWT: ['read:msg', 'write:msg'] }]);
    assert.deepEqual(Object.keys(op('/all').responses).sort(), ['200', '401', '403']);
    assert.deepEqual(op('/any').security, [{ HTTPBearerJWT: ['a'] }, { HTTPBearerJWT: ['b'] }]);
    assert.ok('403' in op('/any').responses);
    assert.deepEqual(op('/claim').security, [{ HTTPBearerJWT: [] }]);
    assert.deepEqual(Object.keys(op('/claim').responses).sort(), ['200', '401']);
  });
});
