import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { loadAuthSettings, verifyAuthSettings } from '../../lib/auth/index.js';
import { ConfigError, resetKitWarnings } from '../../lib/config/index.js';
import { generateTestKeyPair, TEST_HS_SECRET } from '../support/jwt.js';

const EMPTY_KEY = 'JWT_VERIFY_KEY must be set. An empty JWT secret would allow anyone to forge valid tokens.';

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.equal(err.code, 'ERR_CONFIG_INVALID');
    return err;
  }
  assert.fail('expected a ConfigError');
}

async function warningsDuring(fn: () => void): Promise<string[]> {
  const codes: string[] = [];
  const listener = (warning: Error & { code?: string }) => {
    if (warning.name === 'KitWarning' && warning.code) codes.push(warning.code);
  };
  process.on('warning', listener);
  try {
    fn();
    // process.emitWarning delivers on the next tick
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', listener);
  }
  return codes;
}

describe('auth settings: loadAuthSettings', () => {
  it('applies the documented defaults', () => {
    const settings = loadAuthSettings({ JWT_VERIFY_KEY: TEST_HS_SECRET });
    assert.equal(settings.verifyKey, TEST_HS_SECRET);
    assert.equal(settings.algorithm, 'HS256');
    assert.equal(settings.jwksUrl, undefined);
    assert.deepEqual(settings.jwksAlgorithms, ['ES256', 'RS256', 'EdDSA']);
    assert.deepEqual(settings.audience, ['authenticated']);
    assert.equal(settings.issuer, undefined);
    assert.equal(settings.clockToleranceSeconds, 0);
    assert.equal(settings.cookieSecure, true);
    assert.equal(settings.sessionTimeoutSeconds, 3600);
  });

  it('refuses an empty key with the reference message', () => {
    for (const env of [{}, { JWT_VERIFY_KEY: '   ' }, { JWT_VERIFY_KEY: '', SUPABASE_JWT_SECRET: ' ' }]) {
      const err = configError(() => loadAuthSettings(env));
      assert.ok(err.message.includes(EMPTY_KEY), err.message);
      assert.deepEqual(err.issues.map((issue) => issue.variable), ['JWT_VERIFY_KEY']);
    }
  });

  it('falls back to SUPABASE_JWT_SECRET and reads JWT_ALGORITHM as JWT_SIGN_ALGORITHM', () => {
    const settings = loadAuthSettings({ SUPABASE_JWT_SECRET: ` ${TEST_HS_SECRET} `, JWT_ALGORITHM: 'HS512' });
    assert.equal(settings.verifyKey, TEST_HS_SECRET);
    assert.equal(settings.algorithm, 'HS512');
    const both = loadAuthSettings({ JWT_VERIFY_KEY: 'a'.repeat(40), SUPABASE_JWT_SECRET: 'b'.repeat(40), JWT_SIGN_ALGORITHM: 'HS384', JWT_ALGORITHM: 'HS512' });
    assert.equal(both.verifyKey, 'a'.repeat(40));
    assert.equal(both.algorithm, 'HS384');
  });

  it('trims every value and matches algorithm names case-insensitively', () => {
    const settings = loadAuthSettings({
      JWT_VERIFY_KEY: `  ${TEST_HS_SECRET}\n`,
      JWT_SIGN_ALGORITHM: ' es256 ',
      JWT_AUDIENCE: ' authenticated , service ',
      JWT_ISSUER: ' https://issuer.example ',
      JWT_JWKS_ALGORITHMS: ' rs256 , eddsa ',
      AUTH_COOKIE_DOMAIN: ' .example.com ',
    });
    assert.equal(settings.algorithm, 'ES256');
    assert.deepEqual(settings.audience, ['authenticated', 'service']);
    assert.equal(settings.issuer, 'https://issuer.example');
    assert.deepEqual(settings.jwksAlgorithms, ['RS256', 'EdDSA']);
    assert.equal(settings.cookieDomain, '.example.com');
  });

  it('refuses alg none, unknown algorithms and symmetric JWKS algorithms', () => {
    const none = configError(() => loadAuthSettings({ JWT_VERIFY_KEY: TEST_HS_SECRET, JWT_SIGN_ALGORITHM: 'none' }));
    assert.match(none.message, /JWT_SIGN_ALGORITHM: must not be "none"/);
    const aliased = configError(() => loadAuthSettings({ JWT_VERIFY_KEY: TEST_HS_SECRET, JWT_ALGORITHM: 'NONE' }));
    assert.match(aliased.message, /JWT_ALGORITHM: must not be "none"/);
    const unknown = configError(() => loadAuthSettings({ JWT_VERIFY_KEY: TEST_HS_SECRET, JWT_SIGN_ALGORITHM: 'HS1024' }));
    assert.match(unknown.message, /JWT_SIGN_ALGORITHM: must be one of HS256/);
    const jwks = configError(() => loadAuthSettings({ JWT_JWKS_URL: 'https://auth.example/jwks', JWT_JWKS_ALGORITHMS: 'ES256,HS256' }));
    assert.match(jwks.message, /JWT_JWKS_ALGORITHMS: "HS256" is not allowed: JWKS verification only supports asymmetric/);
  });

  it('lists every bad variable at once, never their values', () => {
    const err = configError(() =>
      loadAuthSettings({
        JWT_VERIFY_KEY: 'super-secret-value-that-must-not-leak-123',
        JWT_SIGN_ALGORITHM: 'RS999',
        JWT_JWKS_URL: 'ftp://keys.example',
        JWT_CLOCK_TOLERANCE_SECONDS: '-1',
        AUTH_COOKIE_SECURE: 'maybe',
        AUTH_SESSION_TIMEOUT: '60',
      }),
    );
    assert.deepEqual(err.issues.map((issue) => issue.variable).sort(), [
      'AUTH_COOKIE_SECURE',
      'AUTH_SESSION_TIMEOUT',
      'JWT_CLOCK_TOLERANCE_SECONDS',
      'JWT_JWKS_URL',
      'JWT_SIGN_ALGORITHM',
    ]);
    assert.match(err.message, /AUTH_SESSION_TIMEOUT: must be between 300 and 86400/);
    assert.match(err.message, /JWT_JWKS_URL: must be an http:\/\/ or https:\/\/ URL/);
    assert.ok(!err.message.includes('super-secret-value'));
  });

  it('accepts a JWKS URL instead of a key', () => {
    const settings = loadAuthSettings({ JWT_JWKS_URL: 'https://project.supabase.co/auth/v1/.well-known/jwks.json' });
    assert.equal(settings.verifyKey, undefined);
    assert.equal(settings.jwksUrl, 'https://project.supabase.co/auth/v1/.well-known/jwks.json');
  });

  it('lets options override the environment, validated the same way', () => {
    const settings = loadAuthSettings(
      { JWT_VERIFY_KEY: TEST_HS_SECRET, JWT_AUDIENCE: 'from-env' },
      { audience: ['a', 'b'], clockToleranceSeconds: 5, cookieSecure: false, algorithm: 'hs512' },
    );
    assert.deepEqual(settings.audience, ['a', 'b']);
    assert.equal(settings.clockToleranceSeconds, 5);
    assert.equal(settings.cookieSecure, false);
    assert.equal(settings.algorithm, 'HS512');
    const err = configError(() => loadAuthSettings({ JWT_VERIFY_KEY: TEST_HS_SECRET }, { sessionTimeoutSeconds: 10 }));
    assert.match(err.message, /sessionTimeoutSeconds option: must be between 300 and 86400/);
  });

  it('never shows secrets in JSON.stringify or console.log', () => {
    const settings = loadAuthSettings({ JWT_VERIFY_KEY: TEST_HS_SECRET, SUPABASE_SERVICE_ROLE_KEY: 'service-role-secret-xyz' });
    const json = JSON.stringify(settings);
    const shown = inspect(settings);
    for (const text of [json, shown]) {
      assert.ok(!text.includes(TEST_HS_SECRET));
      assert.ok(!text.includes('service-role-secret-xyz'));
      assert.ok(text.includes('[redacted]'));
    }
    assert.equal(JSON.parse(json).algorithm, 'HS256');
  });
});

describe('auth settings: verifyAuthSettings', () => {
  beforeEach(() => resetKitWarnings());

  it('warns (coded) about a short HMAC key and a shared-secret algorithm outside production', async () => {
    const settings = loadAuthSettings({ JWT_VERIFY_KEY: 'short-secret' });
    const codes = await warningsDuring(() => verifyAuthSettings(settings, { ENVIRONMENT: 'development' }));
    assert.ok(codes.includes('WARN_AUTH_WEAK_KEY'), codes.join());
    assert.ok(codes.includes('WARN_AUTH_SYMMETRIC_ALGORITHM'), codes.join());
  });

  it('refuses a short HMAC key and insecure cookies under ENVIRONMENT=production', () => {
    const settings = loadAuthSettings({ JWT_VERIFY_KEY: 'short-secret', AUTH_COOKIE_SECURE: 'false' });
    const err = configError(() => verifyAuthSettings(settings, { ENVIRONMENT: 'production' }));
    assert.deepEqual(err.issues.map((issue) => issue.variable).sort(), ['AUTH_COOKIE_SECURE', 'JWT_VERIFY_KEY']);
    assert.ok(!err.message.includes('short-secret'));
    const good = loadAuthSettings({ JWT_VERIFY_KEY: TEST_HS_SECRET });
    assert.doesNotThrow(() => verifyAuthSettings(good, { ENVIRONMENT: 'production' }));
  });

  it('applies the production rules under NODE_ENV=production too (either variable counts)', () => {
    const settings = loadAuthSettings({ JWT_VERIFY_KEY: 'abc', AUTH_COOKIE_SECURE: 'false' });
    for (const env of [{ NODE_ENV: 'production' }, { NODE_ENV: ' Production ', ENVIRONMENT: 'development' }, { ENVIRONMENT: 'production', NODE_ENV: 'test' }]) {
      const err = configError(() => verifyAuthSettings(settings, env));
      assert.deepEqual(err.issues.map((issue) => issue.variable).sort(), ['AUTH_COOKIE_SECURE', 'JWT_VERIFY_KEY'], JSON.stringify(env));
    }
  });

  it('refuses a public key configured with an HS algorithm (algorithm confusion)', async () => {
    const pair = await generateTestKeyPair('RS256');
    const settings = loadAuthSettings({ JWT_VERIFY_KEY: pair.publicPem, JWT_SIGN_ALGORITHM: 'HS256' });
    const err = configError(() => verifyAuthSettings(settings, {}));
    assert.match(err.message, /algorithm confusion/);
  });

  it('refuses a key that does not match the algorithm, a private key and garbage', async () => {
    const ec = await generateTestKeyPair('ES256');
    const mismatch = configError(() => verifyAuthSettings(loadAuthSettings({ JWT_VERIFY_KEY: ec.publicPem, JWT_SIGN_ALGORITHM: 'RS256' }), {}));
    assert.match(mismatch.message, /cannot verify RS256/);
    const curve = configError(() => verifyAuthSettings(loadAuthSettings({ JWT_VERIFY_KEY: ec.publicPem, JWT_SIGN_ALGORITHM: 'ES384' }), {}));
    assert.match(curve.message, /prime256v1, which cannot verify ES384/);
    const privateJwk = JSON.stringify({ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd' });
    const priv = configError(() => verifyAuthSettings(loadAuthSettings({ JWT_VERIFY_KEY: privateJwk, JWT_SIGN_ALGORITHM: 'ES256' }), {}));
    assert.match(priv.message, /private JWK/);
    const garbage = configError(() => verifyAuthSettings(loadAuthSettings({ JWT_VERIFY_KEY: 'not-a-key-at-all', JWT_SIGN_ALGORITHM: 'ES256' }), {}));
    assert.match(garbage.message, /must be a PEM public key, a certificate or a JWK for ES256/);
  });

  it('warns about a plain-http JWKS URL off loopback only', async () => {
    const remote = await warningsDuring(() => verifyAuthSettings(loadAuthSettings({ JWT_JWKS_URL: 'http://auth.internal/jwks' }), {}));
    assert.ok(remote.includes('WARN_AUTH_JWKS_INSECURE_URL'));
    resetKitWarnings();
    const local = await warningsDuring(() => verifyAuthSettings(loadAuthSettings({ JWT_JWKS_URL: 'http://127.0.0.1:9/jwks' }), {}));
    assert.ok(!local.includes('WARN_AUTH_JWKS_INSECURE_URL'));
  });
});
