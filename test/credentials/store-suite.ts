/**
 * Behaviour every IntegrationCredentialsStore backend must show (memory, Redis, Cluster).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import {
  IntegrationCredentialsStore, Secret, pkceChallenge, type IntegrationCredentialsStoreOptions,
} from '../../lib/credentials/index.js';
import { HttpError, isKitError, statusForCode } from '../../lib/errors/index.js';

export type MakeStore = (options?: IntegrationCredentialsStoreOptions) => IntegrationCredentialsStore;

export const newKey = () => randomBytes(32).toString('hex');
export const uniqueId = (label: string) => `${label}-${randomBytes(6).toString('hex')}`;
/** A recognisable secret value, so a scan can look for it. */
export const secretValue = (label = 's') => `SECRET${label}${randomBytes(12).toString('hex')}`;

function hasCode(code: string, status?: number) {
  return (err: unknown) => {
    assert.ok(isKitError(err), `expected a KitError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    // Core errors carry no HTTP status; errorHandler answers the one their code means.
    assert.ok(!(err instanceof HttpError), 'the store throws KitError, the HTTP mapping is at the edge');
    if (status !== undefined) assert.equal(statusForCode(err.code), status);
    return true;
  };
}

export function describeStoreBehaviour(title: string, getMake: () => MakeStore): void {
  describe(title, function () {
    this.timeout(30_000);
    let make: MakeStore;
    let store: IntegrationCredentialsStore;
    before(() => {
      make = getMake();
      store = make();
    });

    it('adds, lists, gets, updates and deletes credentials; secrets come back as Secrets', async () => {
      const user = uniqueId('user');
      const token = secretValue('tok');
      const a = await store.add(user, { type: 'oauth2', provider: 'github', accessToken: token, scopes: ['repo'], username: 'octocat' });
      const b = await store.add(user, { id: 'key-1', type: 'api_key', provider: 'openai', apiKey: new Secret(secretValue('key')) });
      assert.equal(b.id, 'key-1');
      const listed = await store.list(user);
      assert.deepEqual(listed.map((c) => c.id), [a.id, 'key-1'], 'oldest first');
      const got = await store.get(user, a.id);
      assert.ok(got && got.type === 'oauth2');
      assert.ok(got.accessToken instanceof Secret);
      assert.equal(got.accessToken.reveal(), token);
      assert.equal(got.username, 'octocat');
      assert.equal(await store.get(user, 'missing'), null);
      assert.deepEqual((await store.listByProvider(user, 'openai')).map((c) => c.id), ['key-1']);

      const newToken = secretValue('tok2');
      await store.update(user, { ...got, accessToken: newToken, scopes: ['repo', 'gist'] });
      const updated = await store.get(user, a.id);
      assert.ok(updated?.type === 'oauth2' && updated.accessToken.reveal() === newToken);
      assert.deepEqual((await store.list(user)).map((c) => c.id), [a.id, 'key-1'], 'update keeps the position');

      assert.equal(await store.delete(user, 'key-1'), true);
      assert.equal(await store.delete(user, 'key-1'), false);
      assert.deepEqual((await store.list(user)).map((c) => c.id), [a.id]);
      assert.deepEqual(await store.list(uniqueId('nobody')), []);
    });

    it('refuses a duplicate id (409), an unknown id on update (404), a type change or narrower scopes (400)', async () => {
      const user = uniqueId('user');
      const secret = secretValue();
      await store.add(user, { id: 'c1', type: 'oauth2', provider: 'github', accessToken: secret, scopes: ['a', 'b'] });
      await assert.rejects(store.add(user, { id: 'c1', type: 'api_key', provider: 'x', apiKey: secret }), hasCode('ERR_CREDENTIALS_CONFLICT', 409));
      await assert.rejects(store.update(user, { id: 'nope', type: 'api_key', provider: 'x', apiKey: secret }), hasCode('ERR_CREDENTIALS_NOT_FOUND', 404));
      await assert.rejects(store.update(user, { id: 'c1', type: 'api_key', provider: 'x', apiKey: secret }), hasCode('ERR_VALIDATION', 400));
      await assert.rejects(store.update(user, { id: 'c1', type: 'oauth2', provider: 'github', accessToken: secret, scopes: ['a'] }), (err: unknown) => {
        hasCode('ERR_VALIDATION', 400)(err);
        assert.ok(!(err as Error).message.includes(secret));
        return true;
      });
      await store.update(user, { id: 'c1', type: 'oauth2', provider: 'github', accessToken: secret, scopes: ['a', 'b', 'c'] });
    });

    it('loses nothing when many writers race for one user', async () => {
      const user = uniqueId('race');
      const ids = Array.from({ length: 40 }, (_, i) => `c${i}`);
      await Promise.all(ids.map((id) => store.add(user, { id, type: 'api_key', provider: 'p', apiKey: secretValue() })));
      await Promise.all([
        ...ids.slice(0, 10).map((id) => store.delete(user, id)),
        ...ids.slice(10, 20).map((id) => store.update(user, { id, type: 'api_key', provider: 'p2', apiKey: secretValue() })),
        ...Array.from({ length: 10 }, (_, i) => store.add(user, { id: `d${i}`, type: 'api_key', provider: 'p', apiKey: secretValue() })),
      ]);
      const listed = await store.list(user);
      assert.equal(listed.length, 40);
      assert.equal(listed.filter((c) => c.provider === 'p2').length, 10);
    });

    it('enforces maxCredentialsPerUser under concurrency', async () => {
      const limited = make({ maxCredentialsPerUser: 5 });
      const user = uniqueId('limit');
      const results = await Promise.allSettled(Array.from({ length: 12 }, () => limited.add(user, { type: 'api_key', provider: 'p', apiKey: secretValue() })));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 5);
      for (const r of results) if (r.status === 'rejected') hasCode('ERR_CREDENTIALS_CONFLICT', 409)(r.reason);
      assert.equal((await limited.list(user)).length, 5);
    });

    it('OAuth state: PKCE S256, verifies once with its verifier, then never', async () => {
      const user = uniqueId('oauth');
      const stored = await store.storeOAuthState(user, 'github', ['repo', 'user'], { callbackUrl: 'http://127.0.0.1/cb', metadata: { next: '/x' } });
      assert.equal(stored.codeChallengeMethod, 'S256');
      assert.equal(stored.codeChallenge, pkceChallenge(stored.codeVerifier));
      assert.match(stored.codeVerifier, /^[A-Za-z0-9_-]{43,128}$/);
      assert.ok(stored.expiresAt * 1000 > Date.now() + 590_000 && stored.expiresAt * 1000 <= Date.now() + 600_000, '10-minute expiry');
      const state = await store.verifyOAuthState(user, stored.token, 'github');
      assert.ok(state);
      assert.equal(state.codeVerifier, stored.codeVerifier);
      assert.deepEqual(state.scopes, ['repo', 'user']);
      assert.equal(state.callbackUrl, 'http://127.0.0.1/cb');
      assert.deepEqual(state.metadata, { next: '/x' });
      assert.equal(await store.verifyOAuthState(user, stored.token, 'github'), null);
    });

    it('OAuth state: wrong provider, wrong user or a made-up token are refused and do not consume it', async () => {
      const user = uniqueId('oauth');
      const { token } = await store.storeOAuthState(user, 'github', []);
      assert.equal(await store.verifyOAuthState(user, token, 'google'), null);
      assert.equal(await store.verifyOAuthState(uniqueId('other'), token, 'github'), null);
      assert.equal(await store.verifyOAuthState(user, `${token}x`, 'github'), null);
      assert.equal(await store.verifyOAuthState(user, '', 'github'), null);
      assert.equal(await store.verifyOAuthState(user, 'x'.repeat(10_000), 'github'), null);
      assert.equal(await store.verifyOAuthState(user, 42 as unknown as string, 'github'), null);
      assert.ok(await store.verifyOAuthState(user, token, 'github'));
    });

    it('OAuth state: refused after expiry', async () => {
      const shortLived = make({ oauthStateTtlMs: 500 });
      const user = uniqueId('oauth');
      const fresh = await shortLived.storeOAuthState(user, 'github', []);
      const stale = await shortLived.storeOAuthState(user, 'github', []);
      assert.ok(await shortLived.verifyOAuthState(user, fresh.token, 'github'));
      await sleep(700);
      assert.equal(await shortLived.verifyOAuthState(user, stale.token, 'github'), null);
    });

    it('OAuth state: racing callbacks, exactly one wins', async () => {
      const user = uniqueId('oauth');
      const { token } = await store.storeOAuthState(user, 'github', []);
      const results = await Promise.all(Array.from({ length: 10 }, () => store.verifyOAuthState(user, token, 'github')));
      assert.equal(results.filter(Boolean).length, 1);
    });

    it('hostile user ids (braces, newlines, unicode) are isolated and round-trip', async () => {
      const seen = new Map<string, string>();
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }), fc.constantFrom('{a}', '}{', '{', 'a\nb', '\r\n', ' ', '\u0000', '*', 'user:1}:creds', '{{x}}')),
          async (userId) => {
            const secret = secretValue();
            const id = uniqueId('c');
            await store.add(userId, { id, type: 'api_key', provider: 'p', apiKey: secret });
            const got = await store.get(userId, id);
            assert.ok(got?.type === 'api_key' && got.apiKey.reveal() === secret);
            seen.set(userId, id);
            const { token } = await store.storeOAuthState(userId, 'p', []);
            assert.ok(await store.verifyOAuthState(userId, token, 'p'));
          },
        ),
        { numRuns: 40 },
      );
      for (const [userId, id] of seen) assert.ok((await store.list(userId)).some((c) => c.id === id));
    });

    it('bad user ids and invalid credentials are 400 ERR_VALIDATION, never a crash or a leak', async () => {
      for (const userId of ['', 'x'.repeat(513), 42, null, undefined, {}, '\uD800', 'a\uDC00b']) {
        await assert.rejects(store.add(userId as string, { type: 'api_key', provider: 'p', apiKey: 'k' }), hasCode('ERR_VALIDATION', 400));
        await assert.rejects(store.list(userId as string), hasCode('ERR_VALIDATION', 400));
      }
      const user = uniqueId('hostile');
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.anything(), fc.record({ type: fc.constantFrom('oauth2', 'api_key', 'host_scoped', 'user_password'), provider: fc.anything(), apiKey: fc.anything(), scopes: fc.anything() })), async (value) => {
          try {
            await store.add(user, value as never);
          } catch (err) {
            hasCode('ERR_VALIDATION', 400)(err);
          }
        }),
        { numRuns: 100 },
      );
      await assert.rejects(store.add(user, { id: 'x\uD800', type: 'api_key', provider: 'p', apiKey: 'k' }), hasCode('ERR_VALIDATION', 400));
      const secret = secretValue();
      await assert.rejects(store.add(user, { type: 'api_key', provider: '', apiKey: secret }), (err: unknown) => {
        hasCode('ERR_VALIDATION', 400)(err);
        assert.ok(!(err as Error).message.includes(secret));
        return true;
      });
    });

    it('huge payloads are refused clearly (413 for the record, 400 for one secret)', async () => {
      const user = uniqueId('huge');
      await assert.rejects(
        store.add(user, { type: 'oauth2', provider: 'p', accessToken: 'a', scopes: [], metadata: { blob: 'x'.repeat(200_000) } }),
        hasCode('ERR_PAYLOAD_TOO_LARGE', 413),
      );
      await assert.rejects(store.add(user, { type: 'api_key', provider: 'p', apiKey: 'k'.repeat(100_000) }), hasCode('ERR_VALIDATION', 400));
      await assert.rejects(store.storeOAuthState(user, 'p', [], { metadata: { blob: 'x'.repeat(200_000) } }), hasCode('ERR_PAYLOAD_TOO_LARGE', 413));
      assert.deepEqual(await store.list(user), []);
    });

    it('metadata that is not JSON (BigInt, cycles, extreme nesting) is a 400, not a crash', async () => {
      const user = uniqueId('json');
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      let deep: unknown = 'leaf';
      for (let i = 0; i < 20_000; i++) deep = [deep];
      for (const metadata of [{ n: 10n }, cyclic, { deep }]) {
        await assert.rejects(store.add(user, { type: 'oauth2', provider: 'p', accessToken: 'a', scopes: [], metadata }), hasCode('ERR_VALIDATION'));
        await assert.rejects(store.storeOAuthState(user, 'p', [], { metadata }), hasCode('ERR_VALIDATION'));
      }
      assert.deepEqual(await store.list(user), []);
    });
  });
}
