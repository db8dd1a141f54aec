import assert from 'node:assert/strict';
import request from 'supertest';
import { authOf, createJwtVerifier, optionalUser, requireUser, type JwtVerifier } from '../../lib/auth/index.js';
import { buildJwtVerifier } from '../../lib/auth/verifier.js';
import { errorHandler } from '../../lib/errors/index.js';
import { forEachExpress } from '../support/express.js';
import { generateTestKeyPair, signToken, signWith, startJwksServer, supabaseClaims, TEST_HS_SECRET, type JwksServer, type TestKeyPair } from '../support/jwt.js';

forEachExpress('req.auth.header (the protected header)', ({ create }) => {
  let jwks: JwksServer;
  let pair: TestKeyPair;
  before(async () => {
    pair = await generateTestKeyPair('ES256');
    jwks = await startJwksServer([pair.publicJwk]);
  });
  after(() => jwks.stop());

  function appWith(verifier: JwtVerifier, optional = false) {
    const app = create();
    app.get('/h', optional ? optionalUser({ verifier }) : requireUser({ verifier }), (req, res) => {
      const auth = authOf(req)!;
      res.json({ header: auth.header, json: JSON.parse(JSON.stringify(auth)) });
    });
    app.use(errorHandler());
    return app;
  }

  const verifiers: [string, () => JwtVerifier][] = [
    ['static key, node:crypto fast path', () => createJwtVerifier({ env: {}, verifyKey: TEST_HS_SECRET })],
    ['static key, jose only', () => buildJwtVerifier({ env: {}, verifyKey: TEST_HS_SECRET }, false)],
    ['static key, verified-token cache', () => createJwtVerifier({ env: {}, verifyKey: TEST_HS_SECRET, cache: true })],
  ];
  for (const [name, make] of verifiers) {
    it(`carries the verified token's header: ${name}`, async () => {
      const app = appWith(make());
      const token = await signToken(supabaseClaims(), { kid: 'k-1', header: { typ: 'at+jwt' } });
      for (let i = 0; i < 2; i++) {
        const res = await request(app).get('/h').set('Authorization', `Bearer ${token}`);
        assert.equal(res.status, 200);
        assert.deepEqual(res.body.header, { alg: 'HS256', kid: 'k-1', typ: 'at+jwt' });
        // like express-oauth2-jwt-bearer's { header, payload, token }, minus the token
        assert.deepEqual(Object.keys(res.body.json).sort(), ['header', 'payload']);
      }
    });
  }

  it('carries the header for JWKS-verified tokens, on the fast path and through jose', async () => {
    for (const fast of [true, false]) {
      const app = appWith(buildJwtVerifier({ env: {}, jwksUrl: jwks.url, jwksAlgorithms: ['ES256'] }, fast), true);
      const res = await request(app).get('/h').set('Authorization', `Bearer ${await signWith(pair)}`);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.header, { alg: 'ES256', kid: pair.kid });
    }
  });

  it('an injected verifier accepting a non-JWS token gives an empty header, not a 500', async () => {
    const app = appWith({ algorithms: ['HS256'], verify: async () => supabaseClaims() });
    const res = await request(app).get('/h').set('Authorization', 'Bearer opaque-token');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.header, {});
  });
});
