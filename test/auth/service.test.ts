import assert from 'node:assert/strict';
import type { RequestHandler } from 'express';
import request from 'supertest';
import { createJwtVerifier, loadAuthSettings, requiredScopes, requireService, requireUser, serviceOf, userOf, type ServiceRequest } from '../../lib/auth/index.js';
import { ConfigError } from '../../lib/config/index.js';
import { errorHandler } from '../../lib/errors/index.js';
import { getOpenApiMetadata } from '../../lib/openapi/metadata.js';
import { forEachExpress } from '../support/express.js';
import { generateTestKeyPair, signToken, signWith, startJwksServer, supabaseClaims, TEST_HS_SECRET, type JwksServer, type TestKeyPair } from '../support/jwt.js';

const SERVICE_AUD = 'https://api.example.test/internal';
const now = () => Math.floor(Date.now() / 1000);
const serviceClaims = (overrides = {}) => ({ aud: SERVICE_AUD, azp: 'billing-worker', sub: 'billing-worker@clients', iat: now() - 5, exp: now() + 600, scope: 'jobs:run', ...overrides });

forEachExpress('requireService (machine-to-machine tokens)', ({ create }) => {
  let pair: TestKeyPair;
  let jwks: JwksServer;
  before(async () => {
    pair = await generateTestKeyPair('ES256');
    jwks = await startJwksServer([pair.publicJwk]);
  });
  after(() => jwks.stop());

  function appWith(...middleware: RequestHandler[]) {
    const app = create();
    app.get('/r', ...middleware, (req: ServiceRequest, res) => {
      assert.equal(serviceOf(req), req.service);
      res.json({ service: serviceOf(req)?.id ?? null, user: userOf(req)?.id ?? null });
    });
    app.use(errorHandler());
    return app;
  }
  const call = (app: ReturnType<typeof appWith>, token: string) => request(app).get('/r').set('Authorization', `Bearer ${token}`);
  const env = () => ({ JWT_JWKS_URL: jwks.url });

  it('accepts a token of the service audience and sets req.service (not req.user)', async () => {
    const app = appWith(requireService({ env: env(), audience: SERVICE_AUD }));
    const res = await call(app, await signWith(pair, serviceClaims()));
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { service: 'billing-worker', user: null });
  });

  it('a user token cannot pass requireService, nor a service token requireUser', async () => {
    const service = appWith(requireService({ env: env(), audience: SERVICE_AUD }));
    const userToken = await signWith(pair, supabaseClaims());
    const refused = await call(service, userToken);
    assert.equal(refused.status, 401);
    assert.deepEqual(refused.body, { detail: 'Invalid token: Invalid audience' });
    const user = appWith(requireUser({ env: env() }));
    assert.equal((await call(user, userToken)).status, 200);
    assert.equal((await call(user, await signWith(pair, serviceClaims()))).status, 401, 'wrong audience for users');
    // A client-credentials token is refused by requireUser even with the user audience.
    const sameAud = await call(user, await signWith(pair, serviceClaims({ aud: 'authenticated', gty: 'client-credentials' })));
    assert.equal(sameAud.status, 401);
    assert.deepEqual(sameAud.body, { detail: 'Invalid token: Service tokens are not accepted here' });
  });

  it('a shared audience (Auth0 shape) requires the client-credentials grant', async () => {
    const app = appWith(requireService({ env: env(), audience: 'authenticated' }));
    assert.equal((await call(app, await signWith(pair, serviceClaims({ aud: 'authenticated', gty: 'client-credentials' })))).status, 200);
    const userToken = await call(app, await signWith(pair, supabaseClaims()));
    assert.equal(userToken.status, 403);
    assert.deepEqual(userToken.body, { detail: 'Service token required' });
    assert.match(String(userToken.headers['www-authenticate']), /insufficient_scope/);
    assert.equal(getOpenApiMetadata(requireService({ env: env(), audience: 'authenticated' }))?.forbidden, 'Service token required');
  });

  it('scope checks work after requireService; an injected verifier is checked for the audience too', async () => {
    const verifier = createJwtVerifier({ env: {}, verifyKey: TEST_HS_SECRET, audience: [SERVICE_AUD, 'authenticated'] });
    const app = appWith(requireService({ verifier, audience: SERVICE_AUD }), requiredScopes('jobs:run'));
    assert.equal((await call(app, await signToken(serviceClaims()))).status, 200);
    assert.equal((await call(app, await signToken(serviceClaims({ scope: 'jobs:read' })))).status, 403);
    assert.equal((await call(app, await signToken(supabaseClaims()))).status, 401, 'the injected verifier accepts it, requireService does not');
    assert.equal((await request(app).get('/r')).status, 401);
  });

  it('takes loaded settings (the service audience replaces theirs)', async () => {
    const settings = loadAuthSettings(env());
    const app = appWith(requireService({ settings, audience: SERVICE_AUD }));
    assert.equal((await call(app, await signWith(pair, serviceClaims()))).status, 200);
    assert.equal((await call(app, await signWith(pair, supabaseClaims()))).status, 401);
  });

  it('refuses bad options at startup', () => {
    assert.throws(() => requireService({ env: env() }), (err: unknown) => err instanceof ConfigError && /JWT_SERVICE_AUDIENCE/.test(err.message));
    assert.throws(() => requireService({ env: env(), audience: SERVICE_AUD, requireClientCredentials: 'yes' as never }), ConfigError);
    // the audience can come from the environment
    assert.equal(typeof requireService({ env: { ...env(), JWT_SERVICE_AUDIENCE: SERVICE_AUD } }), 'function');
  });
});
