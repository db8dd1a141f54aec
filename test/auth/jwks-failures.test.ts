import assert from 'node:assert/strict';
import { createJwtVerifier } from '../../lib/auth/index.js';
import { createJwksResolver, JwksUnavailable, type JwksResolver } from '../../lib/auth/jwks.js';
import { HttpError } from '../../lib/errors/index.js';
import { generateTestKeyPair, signWith, startJwksServer, type JwksServer, type TestKeyPair } from '../support/jwt.js';

const TOKEN = { payload: '', signature: '' };

/** A resolver on a clock the test moves by hand. */
function resolverAt(server: JwksServer, options: { cooldownMs?: number; cacheMaxAgeMs?: number; timeoutMs?: number } = {}) {
  const clock = { ms: 1_000_000 };
  const resolver = createJwksResolver(server.url, {
    timeoutMs: options.timeoutMs ?? 2_000,
    cooldownMs: options.cooldownMs ?? 30_000,
    cacheMaxAgeMs: options.cacheMaxAgeMs ?? 600_000,
    now: () => clock.ms,
  });
  return { clock, resolver };
}

async function outcome(resolver: JwksResolver, pair: TestKeyPair): Promise<'key' | string> {
  try {
    await resolver({ alg: pair.alg, kid: pair.kid }, TOKEN);
    return 'key';
  } catch (err) {
    return err instanceof JwksUnavailable ? 'unavailable' : String((err as { code?: unknown }).code);
  }
}

describe('auth JWKS: failures are single-flight and cooled down', () => {
  let es: TestKeyPair;
  let rs: TestKeyPair;
  let server: JwksServer;

  before(async () => {
    [es, rs] = await Promise.all([generateTestKeyPair('ES256'), generateTestKeyPair('RS256')]);
  });
  beforeEach(async () => {
    server = await startJwksServer([es.publicJwk, rs.publicJwk]);
  });
  afterEach(async () => {
    await server.stop();
  });

  it('makes one fetch for 20 verifications while the endpoint answers 503 (no keys yet), and retries after the cooldown', async () => {
    await server.down('error');
    const { clock, resolver } = resolverAt(server, { cooldownMs: 30_000 });
    const concurrent = await Promise.all(Array.from({ length: 10 }, () => outcome(resolver, es)));
    for (let i = 0; i < 10; i += 1) concurrent.push(await outcome(resolver, es));
    assert.deepEqual(new Set(concurrent), new Set(['unavailable']));
    assert.equal(server.requests(), 1);
    clock.ms += 29_000;
    assert.equal(await outcome(resolver, es), 'unavailable');
    assert.equal(server.requests(), 1);
    await server.up();
    clock.ms += 1_000;
    assert.equal(await outcome(resolver, es), 'key');
    assert.equal(server.requests(), 2);
  });

  it('answers known keys at once from an expired key set while the endpoint fails, with one attempt per cooldown', async () => {
    const { clock, resolver } = resolverAt(server, { cooldownMs: 30_000, cacheMaxAgeMs: 60_000 });
    assert.equal(await outcome(resolver, es), 'key');
    await server.down('error');
    clock.ms += 61_000;
    const results: string[] = [];
    for (let i = 0; i < 20; i += 1) results.push(await outcome(resolver, i % 2 ? es : rs));
    assert.deepEqual(new Set(results), new Set(['key']));
    await resolver.idle();
    assert.equal(server.requests(), 2); // the first fetch, then one background attempt
    clock.ms += 30_000;
    assert.equal(await outcome(resolver, es), 'key');
    await resolver.idle();
    assert.equal(server.requests(), 3);
  });

  it('gives 503 (not 401) for an unknown kid while the last attempt failed, without fetching again during the cooldown', async () => {
    const { clock, resolver } = resolverAt(server, { cooldownMs: 30_000, cacheMaxAgeMs: 60_000 });
    await outcome(resolver, es);
    await server.down('error');
    clock.ms += 61_000;
    await outcome(resolver, es);
    await resolver.idle();
    const stranger = await generateTestKeyPair('ES256', 'stranger');
    for (let i = 0; i < 5; i += 1) assert.equal(await outcome(resolver, stranger), 'unavailable');
    assert.equal(server.requests(), 2);
  });

  it('stops verifying a key removed from the key set at the first refresh after jwksCacheMaxAgeMs', async () => {
    const { clock, resolver } = resolverAt(server, { cooldownMs: 1_000, cacheMaxAgeMs: 60_000 });
    assert.equal(await outcome(resolver, es), 'key');
    server.setKeys([rs.publicJwk]);
    clock.ms += 59_000;
    assert.equal(await outcome(resolver, es), 'key'); // still within jwksCacheMaxAgeMs
    await resolver.idle();
    assert.equal(server.requests(), 1);
    clock.ms += 1_000;
    assert.equal(await outcome(resolver, es), 'key'); // answered while the refresh runs
    await resolver.idle();
    assert.equal(await outcome(resolver, es), 'ERR_JWKS_NO_MATCHING_KEY');
    assert.equal(await outcome(resolver, rs), 'key');
  });

  it('does not make known keys wait for a hanging endpoint (the refresh runs in the background)', async () => {
    const verifier = createJwtVerifier({ env: {}, jwksUrl: server.url, jwksCacheMaxAgeMs: 0, jwksCooldownMs: 0, jwksTimeoutMs: 30_000 });
    await verifier.verify(await signWith(es));
    await server.down('hang');
    for (let i = 0; i < 5; i += 1) assert.equal((await verifier.verify(await signWith(es, { sub: `s${i}` }))).sub, `s${i}`);
    // all five answered while the one refresh they share is still held open by the server
    assert.equal(server.hanging(), 1);
    assert.equal(server.requests(), 2);
  });

  it('gives a token with an unknown key 503 when the fetch hangs past jwksTimeoutMs', async () => {
    await server.down('hang');
    const verifier = createJwtVerifier({ env: {}, jwksUrl: server.url, jwksTimeoutMs: 200, jwksCooldownMs: 4_000 });
    const err = await verifier.verify(await signWith(es)).then(() => assert.fail('verified'), (e: unknown) => e);
    assert.ok(err instanceof HttpError);
    assert.equal(err.status, 503);
    assert.equal(err.code, 'ERR_AUTH_JWKS_UNAVAILABLE');
    assert.ok(Number(err.headers['Retry-After']) >= 1 && Number(err.headers['Retry-After']) <= 4, err.headers['Retry-After']);
  });
});

describe('auth verified-token cache', () => {
  it('keeps an entry no longer than its maxAgeMs (the JWKS refresh age), nor past exp', async () => {
    const { createVerifiedTokenCache } = await import('../../lib/auth/token-cache.js');
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const capped = createVerifiedTokenCache(10, 0);
    capped.set('t', { sub: 'a', exp });
    assert.equal(capped.get('t'), undefined);
    const uncapped = createVerifiedTokenCache(10);
    uncapped.set('t', { sub: 'a', exp });
    assert.equal(uncapped.get('t')?.sub, 'a');
    uncapped.set('old', { sub: 'b', exp: Math.floor(Date.now() / 1000) - 1 });
    assert.equal(uncapped.get('old'), undefined);
  });
});
