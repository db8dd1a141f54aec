import assert from 'node:assert/strict';
import fc from 'fast-check';
import { z } from 'zod';
import {
  APIKeyCredentials, Credentials, HostScopedCredentials, OAuth2Credentials, OAuthState, Secret, UserIntegrations, UserMetadata,
  UserPasswordCredentials, authHeader, bearer, credentialsHeaders, hostScopedMatches, pkceChallenge,
} from '../../lib/credentials/index.js';
import { isKitError } from '../../lib/errors/index.js';

describe('credentials: schemas', () => {
  it('parses each credentials type, turning secret fields into Secrets and defaulting id', () => {
    const oauth = OAuth2Credentials.parse({ type: 'oauth2', provider: 'github', accessToken: 'gho_1', refreshToken: 'ghr_1', scopes: ['repo'] });
    assert.ok(oauth.accessToken instanceof Secret);
    assert.ok(oauth.refreshToken instanceof Secret);
    assert.match(oauth.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(oauth.metadata, {});
    const key = APIKeyCredentials.parse({ type: 'api_key', provider: 'openai', apiKey: 'sk-1', expiresAt: 1700000000 });
    assert.equal(key.apiKey.reveal(), 'sk-1');
    const pair = UserPasswordCredentials.parse({ type: 'user_password', provider: 'smtp', username: 'me', password: 'pw' });
    assert.ok(pair.username instanceof Secret && pair.password instanceof Secret);
    const host = HostScopedCredentials.parse({ type: 'host_scoped', provider: 'http', host: 'api.example.com', headers: { 'X-Api-Key': 'k' } });
    assert.equal(host.headers['X-Api-Key']!.reveal(), 'k');
  });

  it("accepts the reference's snake_case JSON (null for absent) and never renames metadata or header keys", () => {
    const parsed = Credentials.parse({
      id: 'c1', type: 'oauth2', provider: 'google', title: null, username: null,
      access_token: 'ya29', access_token_expires_at: 1700000000, refresh_token: null, refresh_token_expires_at: null,
      scopes: ['email'], metadata: { some_key: 1 },
    });
    assert.equal(parsed.type, 'oauth2');
    if (parsed.type !== 'oauth2') return;
    assert.equal(parsed.accessToken.reveal(), 'ya29');
    assert.equal(parsed.accessTokenExpiresAt, 1700000000);
    assert.equal(parsed.refreshToken, undefined);
    assert.deepEqual(parsed.metadata, { some_key: 1 });
    const host = Credentials.parse({ type: 'host_scoped', provider: 'http', host: 'h', headers: { x_custom_header: 'v' } });
    assert.ok(host.type === 'host_scoped' && host.headers.x_custom_header?.reveal() === 'v');
    const state = OAuthState.parse({ token: 't', provider: 'github', expires_at: 1, scopes: [], code_verifier: 'v'.repeat(43) });
    assert.equal(state.codeVerifier, 'v'.repeat(43));
    const meta = UserMetadata.parse({ integration_credentials: [{ type: 'api_key', provider: 'x', api_key: 'k' }], integration_oauth_states: [] });
    assert.equal(meta.integrationCredentials.length, 1);
    const integrations = UserIntegrations.parse({ credentials: [], oauth_states: [state], managed_credentials: { ayrshare_profile_key: 'p' } });
    assert.ok(integrations.managedCredentials.ayrshare_profile_key instanceof Secret);
    assert.equal(integrations.oauthStates.length, 1);
  });

  it('discriminates on type and reports clear zod issues for invalid objects', () => {
    const result = Credentials.safeParse({ type: 'oauth3', provider: 'x' });
    assert.equal(result.success, false);
    assert.deepEqual(result.error?.issues[0]?.path, ['type']);
    const missing = Credentials.safeParse({ type: 'api_key', provider: 'x' });
    assert.equal(missing.success, false);
    assert.deepEqual(missing.error?.issues.map((i) => i.path.join('.')), ['apiKey']);
  });

  it('never crashes on hostile input: any value parses or yields a ZodError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.record({ type: fc.constantFrom('oauth2', 'api_key', 'user_password', 'host_scoped'), provider: fc.anything(), apiKey: fc.anything(), headers: fc.anything() })), (value) => {
        for (const schema of [Credentials, OAuthState, UserIntegrations, UserMetadata]) {
          const result = schema.safeParse(value);
          if (!result.success) assert.ok(result.error instanceof z.ZodError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('serialises with masked secrets only', () => {
    const creds = Credentials.parse({ type: 'user_password', provider: 'smtp', username: 'alice-user', password: 'hunter2-pw' });
    const text = JSON.stringify(creds);
    assert.ok(!text.includes('alice-user') && !text.includes('hunter2-pw'));
  });
});

describe('credentials: authHeader and bearer', () => {
  const oauth = Credentials.parse({ type: 'oauth2', provider: 'github', accessToken: 'gho_tok', scopes: [] });
  const apiKey = Credentials.parse({ type: 'api_key', provider: 'openai', apiKey: 'sk-abc' });
  const pair = Credentials.parse({ type: 'user_password', provider: 'smtp', username: 'alice', password: 'p:ss' });
  const host = Credentials.parse({ type: 'host_scoped', provider: 'http', host: '*.example.com', headers: { authorization: 'Token t1', 'X-Extra': 'e' } });

  it('follows the reference: Bearer for oauth2 and api_key, Basic for user_password, the header for host_scoped', () => {
    assert.equal(authHeader(oauth), 'Bearer gho_tok');
    assert.equal(authHeader(apiKey), 'Bearer sk-abc');
    assert.equal(authHeader(pair), `Basic ${Buffer.from('alice:p:ss').toString('base64')}`);
    assert.equal(authHeader(host), 'Token t1');
    assert.equal(authHeader(Credentials.parse({ type: 'host_scoped', provider: 'http', host: 'h' })), '');
  });

  it('applies per-provider overrides (a scheme word or a function)', () => {
    assert.equal(authHeader(oauth, { overrides: { github: 'token' } }), 'token gho_tok');
    assert.equal(authHeader(apiKey, { overrides: { github: 'token' } }), 'Bearer sk-abc');
    assert.equal(authHeader(apiKey, { overrides: { openai: (c) => `Key ${c.type === 'api_key' ? c.apiKey.reveal() : ''}` } }), 'Key sk-abc');
    assert.equal(authHeader(apiKey, { overrides: Object.create({ openai: 'evil' }) as Record<string, string> }), 'Bearer sk-abc', 'inherited keys are ignored');
  });

  it('bearer() for tokens and keys; a clear error for other types', () => {
    assert.equal(bearer(oauth), 'Bearer gho_tok');
    assert.equal(bearer(apiKey), 'Bearer sk-abc');
    assert.throws(() => bearer(pair), (err: unknown) => isKitError(err) && err.code === 'ERR_VALIDATION' && !err.message.includes('p:ss'));
  });

  it('credentialsHeaders() and hostScopedMatches()', () => {
    assert.deepEqual(credentialsHeaders(host), { authorization: 'Token t1', 'X-Extra': 'e' });
    assert.deepEqual(credentialsHeaders(apiKey), { Authorization: 'Bearer sk-abc' });
    assert.ok(host.type === 'host_scoped');
    if (host.type !== 'host_scoped') return;
    assert.equal(hostScopedMatches(host, 'https://api.example.com/x'), true);
    assert.equal(hostScopedMatches(host, 'https://example.com'), true);
    assert.equal(hostScopedMatches(host, 'https://evil-example.com'), false);
    assert.equal(hostScopedMatches(host, 'https://example.com.evil.net'), false);
    assert.equal(hostScopedMatches(host, 'not a url'), false);
  });

  it('pkceChallenge follows RFC 7636 appendix B', () => {
    assert.equal(pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });
});
