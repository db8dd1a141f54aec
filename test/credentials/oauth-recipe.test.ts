/**
 * The docs' OAuth + PKCE recipe, end to end, against a fake authorization server on 127.0.0.1
 * that refuses a code exchange unless sha256(code_verifier) matches the challenge it was given.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express5, { type RequestHandler } from 'express';
import request from 'supertest';
import { IntegrationCredentialsStore } from '../../lib/credentials/index.js';
import { errorHandler, HttpError } from '../../lib/errors/index.js';
import { forEachExpress } from '../support/express.js';

/** Stand-in for requireUserId(): the test names the user in a header. */
const testUser: RequestHandler = (req, _res, next) => {
  (req as { userId?: string }).userId = req.get('x-test-user');
  next();
};

function startFakeProvider(): Promise<{ server: Server; url: string }> {
  const challenges = new Map<string, string>();
  const app = express5();
  app.get('/authorize', (req, res) => {
    const code = randomBytes(8).toString('hex');
    challenges.set(code, String(req.query.code_challenge));
    res.json({ code, state: req.query.state, method: req.query.code_challenge_method });
  });
  app.post('/token', express5.urlencoded({ extended: false }), (req, res) => {
    const expected = challenges.get(req.body.code);
    challenges.delete(req.body.code);
    const actual = createHash('sha256').update(String(req.body.code_verifier ?? '')).digest('base64url');
    if (!expected || expected !== actual) {
      res.status(400).json({ error: 'invalid_grant' });
      return;
    }
    res.json({ access_token: `gho_${randomBytes(8).toString('hex')}`, refresh_token: 'ghr_x', expires_in: 3600 });
  });
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
  });
}

forEachExpress('credentials: OAuth flow with PKCE (docs recipe)', ({ create }) => {
  let fake: { server: Server; url: string };
  let store: IntegrationCredentialsStore;
  let app: ReturnType<typeof create>;

  before(async () => {
    fake = await startFakeProvider();
    store = new IntegrationCredentialsStore({ encryptionKey: randomBytes(32).toString('base64'), env: {} });
    const provider = {
      name: 'github', authorizeUrl: `${fake.url}/authorize`, tokenUrl: `${fake.url}/token`,
      clientId: 'client-1', clientSecret: 'client-secret', redirectUri: 'http://127.0.0.1/callback',
    };
    app = create();
    app.get('/integrations/github/login', testUser, async (req, res, next) => {
      try {
        const scopes = ['repo'];
        const { token, codeChallenge } = await store.storeOAuthState(req.userId!, provider.name, scopes);
        const url = new URL(provider.authorizeUrl);
        url.search = new URLSearchParams({
          client_id: provider.clientId, redirect_uri: provider.redirectUri, scope: scopes.join(' '),
          state: token, code_challenge: codeChallenge, code_challenge_method: 'S256',
        }).toString();
        res.json({ login_url: url.href, state_token: token });
      } catch (err) {
        next(err);
      }
    });
    app.post('/integrations/github/callback', testUser, express5.json(), async (req, res, next) => {
      try {
        const { code, state_token: stateToken } = req.body ?? {};
        const state = await store.verifyOAuthState(req.userId!, String(stateToken ?? ''), provider.name);
        if (!state || typeof code !== 'string') throw new HttpError(400, 'Invalid or expired state token');
        const response = await fetch(provider.tokenUrl, {
          method: 'POST',
          headers: { Accept: 'application/json' },
          body: new URLSearchParams({
            client_id: provider.clientId, client_secret: provider.clientSecret, code,
            redirect_uri: provider.redirectUri, code_verifier: state.codeVerifier!,
          }),
        });
        const tokens = (await response.json()) as { access_token?: string; refresh_token?: string; expires_in?: number };
        if (!response.ok || !tokens.access_token) throw new HttpError(502, 'The provider refused the code exchange');
        const creds = await store.add(req.userId!, {
          type: 'oauth2', provider: provider.name, accessToken: tokens.access_token, refreshToken: tokens.refresh_token,
          accessTokenExpiresAt: tokens.expires_in ? Math.floor(Date.now() / 1000) + tokens.expires_in : undefined,
          scopes: state.scopes,
        });
        res.json({ id: creds.id, provider: creds.provider, type: creds.type, title: creds.title });
      } catch (err) {
        next(err);
      }
    });
    app.use(errorHandler());
  });

  after(() => new Promise<void>((resolve) => fake.server.close(() => resolve())));

  async function authorize(user: string) {
    const login = await request(app).get('/integrations/github/login').set('x-test-user', user).expect(200);
    const consent = await (await fetch(login.body.login_url)).json() as { code: string; state: string; method: string };
    assert.equal(consent.state, login.body.state_token);
    assert.equal(consent.method, 'S256');
    return { code: consent.code, stateToken: login.body.state_token as string };
  }

  it('stores the tokens after a PKCE exchange; the state works once', async () => {
    const { code, stateToken } = await authorize('alice');
    const done = await request(app).post('/integrations/github/callback').set('x-test-user', 'alice').send({ code, state_token: stateToken }).expect(200);
    assert.equal(done.body.type, 'oauth2');
    assert.ok(!JSON.stringify(done.body).includes('gho_'));
    const stored = await store.get('alice', done.body.id);
    assert.ok(stored?.type === 'oauth2' && stored.accessToken.reveal().startsWith('gho_'));
    assert.deepEqual(stored.scopes, ['repo']);
    const replay = await request(app).post('/integrations/github/callback').set('x-test-user', 'alice').send({ code, state_token: stateToken });
    assert.equal(replay.status, 400);
    assert.deepEqual(replay.body, { detail: 'Invalid or expired state token' });
  });

  it("refuses another user's state and garbage bodies with 400, never 5xx", async () => {
    const { code, stateToken } = await authorize('bob');
    const stolen = await request(app).post('/integrations/github/callback').set('x-test-user', 'mallory').send({ code, state_token: stateToken });
    assert.equal(stolen.status, 400);
    for (const body of [{}, { state_token: ['a'] }, { code: 1, state_token: stateToken }, { state_token: 'x'.repeat(5000) }]) {
      const res = await request(app).post('/integrations/github/callback').set('x-test-user', 'bob').send(body);
      assert.equal(res.status, 400);
    }
  });
});
