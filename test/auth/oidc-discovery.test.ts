import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createJwtVerifier, loadAuthSettings, requireUser, userOf, verifyAuthSettings } from '../../lib/auth/index.js';
import { discoveryUrl } from '../../lib/auth/oidc-discovery.js';
import { ConfigError } from '../../lib/config/index.js';
import { errorHandler } from '../../lib/errors/index.js';
import { forEachExpress } from '../support/express.js';
import { generateTestKeyPair, signWith, startJwksServer, type JwksServer, type TestKeyPair } from '../support/jwt.js';

/** A loopback OpenID provider: `<base><path>/.well-known/openid-configuration` pointing at a JWKS server. */
async function startProvider(path: string, jwksUrl: string) {
  let requests = 0;
  let mode: 'ok' | 'down' | 'wrong-issuer' = 'ok';
  const server: Server = createServer((req, res) => {
    requests += 1;
    if (mode === 'down') return void res.writeHead(500).end('down');
    if (req.url !== `${path.replace(/\/+$/, '')}/.well-known/openid-configuration`) return void res.writeHead(404).end();
    const issuer = mode === 'wrong-issuer' ? 'http://127.0.0.1:1/evil' : base + path;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer, jwks_uri: jwksUrl, id_token_signing_alg_values_supported: ['RS256'] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer: base + path,
    requests: () => requests,
    set: (next: typeof mode) => void (mode = next),
    stop: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

forEachExpress('OIDC discovery (JWT_ISSUER + JWT_OIDC_DISCOVERY)', ({ create }) => {
  let pair: TestKeyPair;
  let jwks: JwksServer;
  before(async () => {
    pair = await generateTestKeyPair('RS256');
    jwks = await startJwksServer([pair.publicJwk]);
  });
  after(() => jwks.stop());

  function appFor(issuer: string, extra: Record<string, unknown> = {}) {
    const app = create();
    app.get('/me', requireUser({ env: { JWT_ISSUER: issuer, JWT_OIDC_DISCOVERY: 'true' }, ...extra }), (req, res) => res.json({ id: userOf(req)?.id }));
    // The 503s are expected here: keep them out of the test output.
    app.use(errorHandler({ onServerError: () => {} }));
    return app;
  }

  for (const path of ['/realms/demo', '/']) {
    it(`finds the JWKS from the issuer's configuration, once (issuer path "${path}")`, async () => {
      const provider = await startProvider(path, jwks.url);
      try {
        const app = appFor(provider.issuer);
        const before = jwks.requests();
        for (let i = 0; i < 3; i++) {
          const res = await request(app).get('/me').set('Authorization', `Bearer ${await signWith(pair, { iss: provider.issuer, sub: `u${i}` })}`);
          assert.equal(res.status, 200, res.text);
          assert.equal(res.body.id, `u${i}`);
        }
        assert.equal(provider.requests(), 1, 'the configuration is cached');
        assert.equal(jwks.requests() - before, 1, 'so is the key set');
        // the issuer is still enforced on the tokens
        const other = await request(app).get('/me').set('Authorization', `Bearer ${await signWith(pair, { iss: 'http://127.0.0.1:1/other' })}`);
        assert.equal(other.status, 401);
      } finally {
        await provider.stop();
      }
    });
  }

  it('a configuration naming another issuer is refused: 503, its keys never used', async () => {
    const provider = await startProvider('/t', jwks.url);
    provider.set('wrong-issuer');
    try {
      const res = await request(appFor(provider.issuer, { jwksCooldownMs: 60_000 })).get('/me').set('Authorization', `Bearer ${await signWith(pair, { iss: provider.issuer })}`);
      assert.equal(res.status, 503);
      assert.deepEqual(res.body, { detail: 'Authentication service unavailable' });
    } finally {
      await provider.stop();
    }
  });

  it('a failing discovery endpoint is cooled down like the JWKS (503 with Retry-After, one attempt per cooldown)', async () => {
    const provider = await startProvider('/down', jwks.url);
    provider.set('down');
    try {
      const app = appFor(provider.issuer, { jwksCooldownMs: 60_000 });
      const token = await signWith(pair, { iss: provider.issuer });
      const results = await Promise.all([0, 1, 2].map(() => request(app).get('/me').set('Authorization', `Bearer ${token}`)));
      for (const res of results) {
        assert.equal(res.status, 503);
        assert.ok(Number(res.headers['retry-after']) >= 1);
      }
      assert.equal((await request(app).get('/me').set('Authorization', `Bearer ${token}`)).status, 503);
      assert.equal(provider.requests(), 1);
    } finally {
      await provider.stop();
    }
  });
});

describe('OIDC discovery settings', () => {
  it('JWT_OIDC_DISCOVERY needs an http(s) JWT_ISSUER, replaces JWT_VERIFY_KEY, and excludes JWT_JWKS_URL', () => {
    const settings = loadAuthSettings({ JWT_ISSUER: 'https://tenant.example/', JWT_OIDC_DISCOVERY: 'true' });
    assert.equal(settings.oidcDiscovery, true);
    verifyAuthSettings(settings, {});
    assert.equal(loadAuthSettings({ JWT_VERIFY_KEY: 'k'.repeat(40) }).oidcDiscovery, false);
    const issues = (env: Record<string, string>) => {
      try {
        loadAuthSettings(env);
      } catch (err) {
        assert.ok(err instanceof ConfigError);
        return err.issues.map((i) => i.variable).sort();
      }
      return [];
    };
    assert.deepEqual(issues({ JWT_OIDC_DISCOVERY: 'true' }), ['JWT_ISSUER']);
    assert.deepEqual(issues({ JWT_OIDC_DISCOVERY: 'true', JWT_ISSUER: 'not a url' }), ['JWT_ISSUER']);
    assert.deepEqual(issues({ JWT_OIDC_DISCOVERY: 'true', JWT_ISSUER: 'https://a.example', JWT_JWKS_URL: 'https://a.example/jwks' }), ['JWT_OIDC_DISCOVERY']);
    assert.throws(() => createJwtVerifier({ env: {}, oidcDiscovery: true }), /JWT_ISSUER/);
  });

  it('builds the discovery URL as OpenID Connect Discovery §4.1 says', () => {
    assert.equal(discoveryUrl('https://tenant.auth0.com/'), 'https://tenant.auth0.com/.well-known/openid-configuration');
    assert.equal(discoveryUrl('https://kc.example/realms/demo'), 'https://kc.example/realms/demo/.well-known/openid-configuration');
  });
});
