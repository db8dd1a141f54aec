import assert from 'node:assert/strict';
import request from 'supertest';
import { createJwtVerifier, requireUser, type JwtVerifier } from '../../lib/auth/index.js';
import { errorHandler, HttpError } from '../../lib/errors/index.js';
import { forEachExpress } from '../support/express.js';
import { generateTestKeyPair, signToken, signWith, startJwksServer, supabaseClaims, TEST_HS_SECRET, type JwksServer, type TestKeyPair } from '../support/jwt.js';

async function rejection(verifier: JwtVerifier, token: string): Promise<HttpError> {
  try {
    await verifier.verify(token);
  } catch (err) {
    assert.ok(err instanceof HttpError, `expected HttpError, got ${String(err)}`);
    assert.ok(!err.message.includes(token));
    return err;
  }
  assert.fail('expected a rejection');
}

describe('auth verifier: JWKS', () => {
  let es: TestKeyPair;
  let rs: TestKeyPair;
  let ed: TestKeyPair;
  let server: JwksServer;

  before(async () => {
    [es, rs, ed] = await Promise.all([generateTestKeyPair('ES256'), generateTestKeyPair('RS256'), generateTestKeyPair('EdDSA')]);
  });
  beforeEach(async () => {
    server = await startJwksServer([es.publicJwk, rs.publicJwk, ed.publicJwk]);
  });
  afterEach(async () => {
    await server.stop();
  });

  it('verifies ES256, RS256 and EdDSA tokens from the key set and fetches it once', async () => {
    const verifier = createJwtVerifier({ env: {}, jwksUrl: server.url });
    for (const pair of [es, rs, ed, es, rs, ed]) {
      assert.equal((await verifier.verify(await signWith(pair, { sub: pair.alg }))).sub, pair.alg);
    }
    assert.equal(server.requests(), 1);
  });

  it('only accepts JWT_JWKS_ALGORITHMS, and never an HS token against the key set', async () => {
    const verifier = createJwtVerifier({ env: {}, jwksUrl: server.url, jwksAlgorithms: ['ES256'] });
    assert.equal((await rejection(verifier, await signWith(rs))).message, 'Invalid token: The specified alg value is not allowed');
    assert.equal((await rejection(verifier, await signToken(supabaseClaims()))).message, 'Invalid token: The specified alg value is not allowed');
  });

  it('picks up a rotated key (unknown kid triggers one refresh)', async () => {
    const verifier = createJwtVerifier({ env: {}, jwksUrl: server.url, jwksCooldownMs: 0 });
    await verifier.verify(await signWith(es));
    const next = await generateTestKeyPair('ES256', 'rotated-key');
    server.setKeys([next.publicJwk]);
    assert.equal((await verifier.verify(await signWith(next, { sub: 'after-rotation' }))).sub, 'after-rotation');
    assert.equal(server.requests(), 2);
  });

  it('does not hammer the endpoint with unknown kids during the cooldown', async () => {
    const verifier = createJwtVerifier({ env: {}, jwksUrl: server.url, jwksCooldownMs: 30_000 });
    await verifier.verify(await signWith(es));
    const stranger = await generateTestKeyPair('ES256', 'unknown-kid');
    for (let i = 0; i < 5; i += 1) {
      const err = await rejection(verifier, await signWith(stranger));
      assert.equal(err.status, 401);
      assert.equal(err.message, 'Invalid token: No matching key found for the token');
    }
    assert.equal(server.requests(), 1);
  });

  it('tries every matching key for a token without kid (during a rotation)', async () => {
    const second = await generateTestKeyPair('ES256');
    server.setKeys([es.publicJwk, second.publicJwk]);
    const verifier = createJwtVerifier({ env: {}, jwksUrl: server.url });
    assert.equal((await verifier.verify(await signWith(second, { sub: 'no-kid' }, false))).sub, 'no-kid');
    const stranger = await generateTestKeyPair('ES256');
    assert.equal((await rejection(verifier, await signWith(stranger, {}, false))).status, 401);
  });

  it('answers 503 ERR_AUTH_JWKS_UNAVAILABLE when the endpoint is down, never a 401 or 500', async () => {
    await server.down('refuse');
    const verifier = createJwtVerifier({ env: {}, jwksUrl: server.url, jwksCooldownMs: 5_000 });
    const err = await rejection(verifier, await signWith(es));
    assert.equal(err.status, 503);
    assert.equal(err.code, 'ERR_AUTH_JWKS_UNAVAILABLE');
    assert.equal(err.message, 'Authentication service unavailable');
    assert.equal(err.headers['Retry-After'], '5');
    assert.ok(!err.message.includes('127.0.0.1'));
    await server.up();
    // the failed attempt is cooled down like a success: no new fetch before the cooldown ends
    assert.equal((await rejection(verifier, await signWith(es))).code, 'ERR_AUTH_JWKS_UNAVAILABLE');
    assert.equal(server.requests(), 0);
    // without a cooldown the next token retries at once, and the endpoint is back
    const eager = createJwtVerifier({ env: {}, jwksUrl: server.url, jwksCooldownMs: 0 });
    await server.down('refuse');
    assert.equal((await rejection(eager, await signWith(es))).status, 503);
    await server.up();
    assert.equal((await eager.verify(await signWith(es, { sub: 'back' }))).sub, 'back');
  });

  it('answers 503 when the endpoint returns an error status', async () => {
    await server.down('error');
    const verifier = createJwtVerifier({ env: {}, jwksUrl: server.url });
    assert.equal((await rejection(verifier, await signWith(rs))).code, 'ERR_AUTH_JWKS_UNAVAILABLE');
  });

  it('keeps verifying with keys it already has while the endpoint is down', async () => {
    // cacheMaxAgeMs and cooldown 0: every verification tries a refresh, which fails once the server is down
    const verifier = createJwtVerifier({ env: {}, jwksUrl: server.url, jwksCacheMaxAgeMs: 0, jwksCooldownMs: 0 });
    await verifier.verify(await signWith(es));
    await server.down('refuse');
    assert.equal((await verifier.verify(await signWith(es, { sub: 'stale-ok' }))).sub, 'stale-ok');
    const unknown = await generateTestKeyPair('ES256', 'new-while-down');
    assert.equal((await rejection(verifier, await signWith(unknown))).status, 503);
  });

  it('combines a static HMAC key (legacy tokens) with the key set', async () => {
    const verifier = createJwtVerifier({ env: {}, jwksUrl: server.url, verifyKey: TEST_HS_SECRET });
    assert.deepEqual([...verifier.algorithms].sort(), ['ES256', 'EdDSA', 'HS256', 'RS256']);
    assert.equal((await verifier.verify(await signToken(supabaseClaims({ sub: 'legacy' })))).sub, 'legacy');
    assert.equal((await verifier.verify(await signWith(es, { sub: 'modern' }))).sub, 'modern');
  });

  it('never fetches keys from a URL named by the token (jku / x5u headers are ignored)', async () => {
    const attacker = await generateTestKeyPair('ES256', 'attacker');
    const evil = await startJwksServer([attacker.publicJwk]);
    try {
      const verifier = createJwtVerifier({ env: {}, jwksUrl: server.url, jwksCooldownMs: 0 });
      const forged = await signToken(supabaseClaims({ role: 'admin' }), {
        alg: 'ES256',
        key: attacker.privateKey,
        kid: 'attacker',
        header: { jku: evil.url, x5u: evil.url },
      });
      const err = await rejection(verifier, forged);
      assert.equal(err.status, 401);
      assert.equal(evil.requests(), 0);
    } finally {
      await evil.stop();
    }
  });

  it('routes a kid it does not own to the key set when the static key shares the algorithm', async () => {
    const legacy = await generateTestKeyPair('RS256', 'legacy-pem');
    const verifier = createJwtVerifier({ env: {}, jwksUrl: server.url, verifyKey: legacy.publicPem, algorithm: 'RS256' });
    assert.equal((await verifier.verify(await signWith(legacy, { sub: 'pem-no-kid' }, false))).sub, 'pem-no-kid');
    assert.equal((await verifier.verify(await signWith(rs, { sub: 'jwks-kid' }))).sub, 'jwks-kid');
  });

  forEachExpress('requireUser with a JWKS', ({ create }) => {
    it('answers 200 with a valid token and 503 {"detail"} when the key set is unreachable', async () => {
      const app = create();
      app.get('/me', requireUser({ env: {}, jwksUrl: server.url }), (req, res) => res.json(req.user));
      app.use(errorHandler({ onServerError: () => {} }));
      const ok = await request(app).get('/me').set('Authorization', `Bearer ${await signWith(ed, { sub: 'jwks-user' })}`);
      assert.equal(ok.status, 200);
      assert.equal(ok.body.id, 'jwks-user');
      const downApp = create();
      await server.down('refuse');
      downApp.get('/me', requireUser({ env: {}, jwksUrl: server.url, jwksTimeoutMs: 2_000 }), (req, res) => res.json(req.user));
      downApp.use(errorHandler({ onServerError: () => {} }));
      const token = await signWith(es);
      const down = await request(downApp).get('/me').set('Authorization', `Bearer ${token}`);
      assert.equal(down.status, 503);
      assert.deepEqual(down.body, { detail: 'Authentication service unavailable' });
      assert.ok(down.headers['retry-after']);
      assert.ok(!down.text.includes(token));
    });
  });
});
