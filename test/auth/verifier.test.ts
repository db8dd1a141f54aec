import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SignJWT, importPKCS8 } from 'jose';
import { createJwtVerifier, loadAuthSettings, type JwtVerifier } from '../../lib/auth/index.js';
import { ConfigError } from '../../lib/config/index.js';
import { HttpError } from '../../lib/errors/index.js';
import { b64url, generateTestKeyPair, signToken, signWith, supabaseClaims, TEST_HS_SECRET, unsignedToken } from '../support/jwt.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

async function rejection(verifier: JwtVerifier, token: string): Promise<HttpError> {
  try {
    await verifier.verify(token);
  } catch (err) {
    assert.ok(err instanceof HttpError, `expected HttpError, got ${String(err)}`);
    if (token.length > 20) {
      assert.ok(!err.message.includes(token), 'the message must not contain the token');
      assert.ok(!String(err.headers['WWW-Authenticate'] ?? '').includes(token));
    }
    return err;
  }
  assert.fail('expected the token to be rejected');
}

async function expectInvalid(verifier: JwtVerifier, token: string, message: string, code = 'ERR_AUTH_TOKEN_INVALID'): Promise<void> {
  const err = await rejection(verifier, token);
  assert.equal(err.status, 401);
  assert.equal(err.message, message);
  assert.equal(err.code, code);
  assert.match(err.headers['WWW-Authenticate'] ?? '', /^Bearer error="invalid_token", error_description="[^"\\]*"$/);
}

const now = () => Math.floor(Date.now() / 1000);

describe('auth verifier: createJwtVerifier', () => {
  const hs = createJwtVerifier({ env: {}, verifyKey: TEST_HS_SECRET });

  it('verifies HS256, HS384 and HS512 tokens with the shared secret', async () => {
    for (const alg of ['HS256', 'HS384', 'HS512']) {
      const verifier = createJwtVerifier({ env: {}, verifyKey: TEST_HS_SECRET, algorithm: alg });
      const payload = await verifier.verify(await signToken(supabaseClaims({ sub: `hs-${alg}` }), { alg }));
      assert.equal(payload.sub, `hs-${alg}`);
      assert.deepEqual(verifier.algorithms, [alg]);
    }
  });

  it('accepts an HMAC secret given as an "oct" JWK', async () => {
    const k = Buffer.from(TEST_HS_SECRET).toString('base64url');
    const verifier = createJwtVerifier({ env: {}, verifyKey: JSON.stringify({ kty: 'oct', k }) });
    assert.equal((await verifier.verify(await signToken(supabaseClaims()))).sub, 'user-123');
  });

  it('verifies RS256, PS256, ES256, ES384 and EdDSA from a PEM public key and from a JWK', async () => {
    for (const alg of ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA']) {
      const pair = await generateTestKeyPair(alg);
      const token = await signWith(pair, { sub: `sub-${alg}` });
      const fromPem = createJwtVerifier({ env: {}, verifyKey: pair.publicPem, algorithm: alg });
      assert.equal((await fromPem.verify(token)).sub, `sub-${alg}`, `${alg} from PEM`);
      const fromJwk = createJwtVerifier({ env: {}, verifyKey: pair.publicJwk, algorithm: alg });
      assert.equal((await fromJwk.verify(token)).sub, `sub-${alg}`, `${alg} from JWK`);
    }
  });

  it('accepts a PEM whose newlines were flattened to literal \\n in a one-line env value', async () => {
    const pair = await generateTestKeyPair('RS256');
    const oneLine = pair.publicPem.trim().replace(/\n/g, '\\n');
    const verifier = createJwtVerifier({ env: { JWT_VERIFY_KEY: oneLine, JWT_SIGN_ALGORITHM: 'RS256' } });
    assert.equal((await verifier.verify(await signWith(pair, { sub: 'one-line' }))).sub, 'one-line');
  });

  it('verifies with the public key of an X.509 certificate', async () => {
    const privateKey = await importPKCS8(fixture('es256-cert-key.pem'), 'ES256');
    const token = await signToken(supabaseClaims({ sub: 'cert-user' }), { alg: 'ES256', key: privateKey });
    const verifier = createJwtVerifier({ env: {}, verifyKey: fixture('es256-cert.pem'), algorithm: 'ES256' });
    assert.equal((await verifier.verify(token)).sub, 'cert-user');
  });

  it('refuses bad keys at creation with a ConfigError, not at the first request', () => {
    assert.throws(() => createJwtVerifier({ env: {}, verifyKey: fixture('rsa1024-public.pem'), algorithm: 'RS256' }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /RSA key of 1024 bits; RS256 needs at least 2048/);
      return true;
    });
    assert.throws(() => createJwtVerifier({ env: {}, verifyKey: fixture('es256-cert-key.pem'), algorithm: 'ES256' }), /private key/);
    assert.throws(() => createJwtVerifier({ env: {}, verifyKey: '{"kty":', algorithm: 'ES256' }), /not a valid JWK/);
    assert.throws(() => createJwtVerifier({ env: {} }), /JWT_VERIFY_KEY must be set/);
    assert.throws(() => createJwtVerifier({ env: {}, verifyKey: TEST_HS_SECRET, maxTokenBytes: 10 } as never), /maxTokenBytes/);
    assert.throws(() => createJwtVerifier({ env: {}, verifyKey: TEST_HS_SECRET, unknownOption: 1 } as never), /unknownOption/);
  });

  it('refuses a short HMAC key under ENVIRONMENT=production', () => {
    assert.throws(() => createJwtVerifier({ env: { ENVIRONMENT: 'production' }, verifyKey: 'short' }), /shorter than 32 characters/);
  });

  it('refuses a 3-character HMAC key under NODE_ENV=production', () => {
    assert.throws(() => createJwtVerifier({ env: { NODE_ENV: 'production' }, verifyKey: 'abc' }), /shorter than 32 characters/);
  });

  it('imports the key once, at creation, not per verification', async () => {
    const pair = await generateTestKeyPair('ES256');
    const verifier = createJwtVerifier({ env: {}, verifyKey: pair.publicPem, algorithm: 'ES256' });
    const token = await signWith(pair);
    const hsToken = await signToken(supabaseClaims());
    await verifier.verify(token);
    const subtle = globalThis.crypto.subtle as unknown as { importKey: (...args: unknown[]) => unknown };
    const original = subtle.importKey;
    let imports = 0;
    subtle.importKey = function countingImportKey(this: unknown, ...args: unknown[]) {
      imports += 1;
      return original.apply(this, args);
    };
    try {
      for (let i = 0; i < 20; i += 1) await verifier.verify(token);
      await hs.verify(hsToken);
    } finally {
      subtle.importKey = original;
    }
    assert.equal(imports, 0);
  });

  it('returns a frozen payload when the cache shares it between requests', async () => {
    const cached = createJwtVerifier({ env: {}, verifyKey: TEST_HS_SECRET, cache: true });
    const payload = await cached.verify(await signToken(supabaseClaims()));
    assert.ok(Object.isFrozen(payload));
    assert.ok(Object.isFrozen(payload.user_metadata));
    assert.ok(!Object.isFrozen(await hs.verify(await signToken(supabaseClaims()))));
  });

  it('uses settings from loadAuthSettings as they are', async () => {
    const settings = loadAuthSettings({ JWT_VERIFY_KEY: TEST_HS_SECRET, JWT_AUDIENCE: 'service' });
    const verifier = createJwtVerifier(settings);
    assert.equal((await verifier.verify(await signToken(supabaseClaims({ aud: 'service' })))).aud, 'service');
    await expectInvalid(verifier, await signToken(supabaseClaims()), 'Invalid token: Invalid audience');
  });
});

describe('auth verifier: hostile tokens', () => {
  let rsa: Awaited<ReturnType<typeof generateTestKeyPair>>;
  let rs: JwtVerifier;
  const hs = createJwtVerifier({ env: {}, verifyKey: TEST_HS_SECRET, issuer: 'https://issuer.example' });
  const claims = (overrides = {}) => supabaseClaims({ iss: 'https://issuer.example', ...overrides });

  before(async () => {
    rsa = await generateTestKeyPair('RS256');
    rs = createJwtVerifier({ env: {}, verifyKey: rsa.publicPem, algorithm: 'RS256' });
  });

  it('refuses alg none', async () => {
    await expectInvalid(hs, unsignedToken(claims()), 'Invalid token: The specified alg value is not allowed');
    await expectInvalid(rs, unsignedToken(claims(), 'None'), 'Invalid token: The specified alg value is not allowed');
  });

  it('refuses an HS256 token signed with the configured RS public key as secret (algorithm confusion)', async () => {
    const forged = await signToken(claims({ role: 'admin' }), { alg: 'HS256', key: rsa.publicPem });
    await expectInvalid(rs, forged, 'Invalid token: The specified alg value is not allowed');
  });

  it('refuses an algorithm other than the configured one, even with the right key family', async () => {
    await expectInvalid(hs, await signToken(claims(), { alg: 'HS512' }), 'Invalid token: The specified alg value is not allowed');
  });

  it('answers "Token has expired" for an expired token', async () => {
    await expectInvalid(hs, await signToken(claims({ iat: now() - 120, exp: now() - 60 })), 'Token has expired', 'ERR_AUTH_TOKEN_EXPIRED');
  });

  it('honours the clock tolerance for exp, nbf and iat', async () => {
    const lenient = createJwtVerifier({ env: {}, verifyKey: TEST_HS_SECRET, clockToleranceSeconds: 30 });
    const token = await signToken(supabaseClaims({ iat: now() - 60, exp: now() - 5 }));
    assert.equal((await lenient.verify(token)).sub, 'user-123');
    const skewed = await signToken(supabaseClaims({ iat: now() + 10, nbf: now() + 10 }));
    assert.equal((await lenient.verify(skewed)).sub, 'user-123', 'iat/nbf slightly ahead: a skewed issuer clock');
  });

  it('refuses a token not yet valid (nbf) and one issued in the future (iat)', async () => {
    await expectInvalid(hs, await signToken(claims({ nbf: now() + 600 })), 'Invalid token: The token is not yet valid (nbf)');
    await expectInvalid(hs, await signToken(claims({ iat: now() + 600 })), 'Invalid token: The token is not yet valid (iat)');
    await expectInvalid(hs, await signToken(claims({ iat: 'yesterday' })), 'Invalid token: The iat claim must be a number');
  });

  it('refuses a wrong audience or issuer, and a missing audience', async () => {
    await expectInvalid(hs, await signToken(claims({ aud: 'someone-else' })), 'Invalid token: Invalid audience');
    await expectInvalid(hs, await signToken(claims({ iss: 'https://evil.example' })), 'Invalid token: Invalid issuer');
    const { aud: _aud, ...withoutAud } = claims();
    await expectInvalid(hs, await signToken(withoutAud), 'Invalid token: Token is missing the aud claim');
  });

  it('refuses a tampered payload and a bad signature', async () => {
    const token = await signToken(claims());
    const [header, , signature] = token.split('.');
    const tampered = `${header}.${b64url(claims({ role: 'admin' }))}.${signature}`;
    await expectInvalid(hs, tampered, 'Invalid token: Signature verification failed');
    const otherSecret = await signToken(claims(), { key: 'another-secret-of-sufficient-length-0123456789' });
    await expectInvalid(hs, otherSecret, 'Invalid token: Signature verification failed');
    const flipped = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
    await expectInvalid(hs, flipped, 'Invalid token: Signature verification failed');
  });

  it('refuses truncated, non-base64 and non-JSON segments with a clear reason', async () => {
    const token = await signToken(claims());
    const [header, payload] = token.split('.');
    await expectInvalid(hs, `${header}.${payload}`, 'Invalid token: Invalid Compact JWS');
    await expectInvalid(hs, token.slice(0, 25), 'Invalid token: Invalid Compact JWS');
    await expectInvalid(hs, `%%%.${payload}.sig`, "Invalid token: JWS Protected Header is invalid");
    await expectInvalid(hs, `${b64url('not json')}.${payload}.sig`, "Invalid token: JWS Protected Header is invalid");
    const nonJsonPayload = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(TEST_HS_SECRET));
    const [h2, , s2] = nonJsonPayload.split('.');
    await expectInvalid(hs, `${h2}.${b64url('[1,2')}.${s2}`, 'Invalid token: Signature verification failed');
    await expectInvalid(hs, 'a.b.c', 'Invalid token: JWS Protected Header is invalid');
    await expectInvalid(hs, '...', 'Invalid token: Invalid Compact JWS');
    await expectInvalid(hs, '', 'Invalid token: Malformed token');
  });

  it('refuses a signed payload that is not a JSON object', async () => {
    const secret = new TextEncoder().encode(TEST_HS_SECRET);
    const { CompactSign } = await import('jose');
    for (const body of ['[1,2,3]', 'not json', '"a string"']) {
      const token = await new CompactSign(new TextEncoder().encode(body)).setProtectedHeader({ alg: 'HS256' }).sign(secret);
      await expectInvalid(hs, token, 'Invalid token: JWT Claims Set must be a top-level JSON object');
    }
  });

  it('refuses a huge token by size before any parsing (the limit is an option)', async () => {
    const huge = `${'A'.repeat(9000)}.${'B'.repeat(10)}.C`;
    await expectInvalid(hs, huge, 'Invalid token: Token is larger than 8192 bytes', 'ERR_AUTH_TOKEN_TOO_LARGE');
    const small = createJwtVerifier({ env: {}, verifyKey: TEST_HS_SECRET, maxTokenBytes: 256 });
    const token = await signToken(supabaseClaims({ padding: 'x'.repeat(300) }));
    await expectInvalid(small, token, 'Invalid token: Token is larger than 256 bytes', 'ERR_AUTH_TOKEN_TOO_LARGE');
  });

  it('refuses an unsupported critical header', async () => {
    const input = `${b64url({ alg: 'HS256', crit: ['x-custom'], 'x-custom': 1 })}.${b64url(claims())}`;
    const token = `${input}.${createHmac('sha256', TEST_HS_SECRET).update(input).digest('base64url')}`;
    await expectInvalid(hs, token, 'Invalid token: Unsupported token header');
  });
});

describe('auth verifier: verified-token cache', () => {
  it('serves a repeated token from the cache, and never past its exp', async () => {
    const verifier = createJwtVerifier({ env: {}, verifyKey: TEST_HS_SECRET, cache: true });
    // exp is in whole seconds: +2 so the second cannot tick past exp before the first verify
    const token = await signToken(supabaseClaims({ exp: now() + 2 }));
    const first = await verifier.verify(token);
    assert.equal(await verifier.verify(token), first, 'second call is the cached payload');
    const expiresInMs = (first.exp as number) * 1000 - Date.now();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresInMs) + 50));
    await expectInvalid(verifier, token, 'Token has expired', 'ERR_AUTH_TOKEN_EXPIRED');
  });

  it('never caches a failure', async () => {
    const verifier = createJwtVerifier({ env: {}, verifyKey: TEST_HS_SECRET, cache: { maxEntries: 2 } });
    const bad = await signToken(supabaseClaims({ aud: 'other' }));
    for (let i = 0; i < 3; i += 1) await expectInvalid(verifier, bad, 'Invalid token: Invalid audience');
    for (let i = 0; i < 5; i += 1) {
      const token = await signToken(supabaseClaims({ sub: `u${i}` }));
      assert.equal((await verifier.verify(token)).sub, `u${i}`);
      assert.equal((await verifier.verify(token)).sub, `u${i}`);
    }
  });
});
