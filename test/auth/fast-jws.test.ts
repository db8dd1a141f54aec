/**
 * Differential proof of the node:crypto fast path: for generated tokens (every supported
 * algorithm, `crit`/`kid`/`b64` headers, claims at clock edges, malformed segments,
 * non-canonical base64url, key confusion between algorithms) the verifier with the fast path
 * and the jose-only verifier give the same verdict, the same payload, and on rejection the
 * same status, code and message; and the synchronous verification (the auth middlewares'
 * synchronous path) accepts only what jose accepts, with the same payload.
 */
import assert from 'node:assert/strict';
import { constants, createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { segmentBytes } from '../../lib/auth/fast-jws.js';
import { buildJwtVerifier, synchronousVerification, type JwtVerifier } from '../../lib/auth/verifier.js';
import { HttpError } from '../../lib/errors/index.js';
import { startJwksServer, TEST_HS_SECRET, type JwksServer } from '../support/jwt.js';

const ALGS = ['HS256', 'HS384', 'HS512', 'RS256', 'PS256', 'ES256', 'EdDSA'] as const;
type Alg = (typeof ALGS)[number];

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const ed = generateKeyPairSync('ed25519');
const otherEc = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const PUBLIC_PEM: Record<string, string> = {
  RS256: rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string,
  PS256: rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string,
  ES256: ec.publicKey.export({ type: 'spki', format: 'pem' }) as string,
  EdDSA: ed.publicKey.export({ type: 'spki', format: 'pem' }) as string,
};
const PRIVATE: Record<string, KeyObject> = { RS256: rsa.privateKey, PS256: rsa.privateKey, ES256: ec.privateKey, EdDSA: ed.privateKey };
const KID: Record<string, string> = { RS256: 'rs', PS256: 'rs', ES256: 'es', EdDSA: 'ed' };

const b64 = (value: string | Buffer) => Buffer.from(value).toString('base64url');

function signBytes(alg: string, input: string, mode: 'valid' | 'other-key' | 'public-pem-as-secret'): Buffer {
  if (alg.startsWith('HS')) {
    const secret = mode === 'public-pem-as-secret' ? PUBLIC_PEM.RS256! : mode === 'other-key' ? `${TEST_HS_SECRET}x` : TEST_HS_SECRET;
    return createHmac(`sha${alg.slice(2)}`, secret).update(input).digest();
  }
  const key = mode === 'other-key' ? (alg === 'ES256' ? otherEc.privateKey : PRIVATE[alg]!) : PRIVATE[alg]!;
  if (alg === 'PS256') return sign('sha256', Buffer.from(input), { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
  if (alg === 'ES256') return sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  if (alg === 'EdDSA') return sign(null, Buffer.from(input), key);
  return sign('sha256', Buffer.from(input), key);
}

/** Flips an unused low bit of the last character: the same bytes, a non-canonical spelling. */
function nonCanonical(segment: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  if (segment.length % 4 === 0 || segment.length === 0) return `${segment}=`;
  const last = alphabet.indexOf(segment.at(-1)!);
  return segment.slice(0, -1) + alphabet[last ^ 1];
}

const timeOffset = fc.oneof(fc.integer({ min: -7, max: 7 }), fc.constantFrom(-100_000, 100_000));
const claimTime = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 6, arbitrary: timeOffset.map((offset) => ({ offset })) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>('soon', null, true, 1.5e308, [1], -0) },
);

/** Mostly `good` (so tokens do verify), sometimes one of `others`. */
function mostly<T>(good: T, ...others: T[]): fc.Arbitrary<T> {
  return fc.oneof({ weight: 12, arbitrary: fc.constant(good) }, { weight: 1, arbitrary: fc.constantFrom(...others) });
}

const tokenSpec = fc.record({
  alg: fc.constantFrom<Alg>(...ALGS),
  headerAlg: mostly<unknown>('same', 'HS256', 'RS256', 'ES256', 'EdDSA', 'PS256', 'none', 'RS384', 'ES512', 'hs256', '', 5, undefined),
  kid: fc.constantFrom<unknown>('own', 'own', 'own', undefined, 'other', 5),
  crit: mostly<unknown>(undefined, ['b64'], ['exp'], [], 'b64', ['']),
  b64: mostly<unknown>(undefined, true, false, 'false'),
  typ: fc.constantFrom<unknown>(undefined, 'JWT', 'JWT', 'at+jwt', 1),
  aud: mostly<unknown>('authenticated', ['other', 'authenticated'], 'other', ['other'], undefined, 5, null),
  iss: fc.constantFrom<unknown>(undefined, 'https://issuer.example', 'https://issuer.example', 7),
  sub: mostly<unknown>('user-1', undefined, 5),
  exp: fc.oneof({ weight: 4, arbitrary: fc.constant({ offset: 3600 }) }, { weight: 3, arbitrary: claimTime }),
  nbf: claimTime,
  iat: claimTime,
  payloadShape: mostly('object', 'array', 'string', 'null', 'not-json', 'bad-utf8', 'overlong-utf8', 'surrogate-utf8', 'bom'),
  headerEncoding: mostly('plain', 'bad-utf8', 'overlong-utf8', 'bom'),
  signature: mostly('valid', 'other-key', 'public-pem-as-secret', 'flipped', 'empty', 'truncated'),
  mutation: mostly('none', 'non-canonical-header', 'non-canonical-payload', 'non-canonical-signature', 'padding', 'extra-segment', 'two-segments', 'space', 'plus-slash'),
  verifier: fc.constantFrom('own', 'own', 'own', 'jwks', 'issuer', 'any'),
  tolerance: fc.constantFrom(0, 5),
  anyPair: fc.integer({ min: 0, max: 1000 }),
});

type Spec = typeof tokenSpec extends fc.Arbitrary<infer T> ? T : never;

function buildToken(spec: Spec, now: number): string {
  const header: Record<string, unknown> = {};
  const alg = spec.headerAlg === 'same' ? spec.alg : spec.headerAlg;
  if (alg !== undefined) header.alg = alg;
  if (spec.kid === 'own') header.kid = KID[spec.alg] ?? 'hs';
  else if (spec.kid !== undefined) header.kid = spec.kid;
  for (const name of ['crit', 'b64', 'typ'] as const) if (spec[name] !== undefined) header[name] = spec[name];
  const claims: Record<string, unknown> = {};
  for (const name of ['aud', 'iss', 'sub'] as const) if (spec[name] !== undefined) claims[name] = spec[name];
  for (const name of ['exp', 'nbf', 'iat'] as const) {
    const value = spec[name];
    if (value === undefined) continue;
    claims[name] = typeof value === 'object' && value !== null && 'offset' in value ? now + (value as { offset: number }).offset : value;
  }
  const payloadText: Record<string, string | Buffer> = {
    object: JSON.stringify(claims),
    array: JSON.stringify([claims]),
    string: JSON.stringify('claims'),
    null: 'null',
    'not-json': '{"sub":',
    'bad-utf8': Buffer.concat([Buffer.from('{"sub":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]),
    // an overlong "/" and a UTF-8-encoded lone surrogate: both invalid UTF-8 that a lenient decoder would let through
    'overlong-utf8': Buffer.concat([Buffer.from(JSON.stringify(claims).slice(0, -1)), Buffer.from(',"x":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]),
    'surrogate-utf8': Buffer.concat([Buffer.from(JSON.stringify(claims).slice(0, -1)), Buffer.from(',"x":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]),
    bom: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(claims))]),
  };
  const headerJson = JSON.stringify(header);
  const headerBytes: Record<string, string | Buffer> = {
    plain: headerJson,
    'bad-utf8': Buffer.concat([Buffer.from(headerJson.slice(0, -1)), Buffer.from(',"x":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]),
    'overlong-utf8': Buffer.concat([Buffer.from(headerJson.slice(0, -1)), Buffer.from(',"x":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]),
    bom: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(headerJson)]),
  };
  let h = b64(headerBytes[spec.headerEncoding]!);
  let p = b64(payloadText[spec.payloadShape]!);
  const input = `${h}.${p}`;
  let signature = spec.signature === 'empty' ? Buffer.alloc(0) : signBytes(spec.alg, input, spec.signature === 'other-key' || spec.signature === 'public-pem-as-secret' ? spec.signature : 'valid');
  if (spec.signature === 'flipped') signature = Buffer.from(signature.map((byte, i) => (i === 3 ? byte ^ 0x10 : byte)));
  if (spec.signature === 'truncated') signature = signature.subarray(0, signature.length - 1);
  let s = b64(signature);
  switch (spec.mutation) {
    case 'non-canonical-header': h = nonCanonical(h); break;
    case 'non-canonical-payload': p = nonCanonical(p); break;
    case 'non-canonical-signature': s = nonCanonical(s); break;
    case 'padding': s = `${s}==`; break;
    case 'extra-segment': return `${h}.${p}.${s}.`;
    case 'two-segments': return `${h}.${p}`;
    case 'space': return `${h}.${p}. ${s}`;
    case 'plus-slash': s = s.replace(/-/g, '+').replace(/_/g, '/'); break;
    default: break;
  }
  return `${h}.${p}.${s}`;
}

type Verdict = { ok: unknown } | { status: number; code: string; message: string; challenge: string | undefined };

async function verdict(verifier: JwtVerifier, token: string): Promise<Verdict> {
  try {
    return { ok: await verifier.verify(token) };
  } catch (err) {
    assert.ok(err instanceof HttpError, String(err));
    return { status: err.status, code: err.code, message: err.message, challenge: err.headers['WWW-Authenticate'] };
  }
}

describe('auth fast path (node:crypto) agrees with jose', function () {
  this.timeout(120_000);
  let jwks: JwksServer;
  const pairs = new Map<string, [JwtVerifier, JwtVerifier]>();

  before(async () => {
    const jwk = (key: KeyObject, kid: string, alg: string) => ({ ...key.export({ format: 'jwk' }), kid, alg, use: 'sig' });
    jwks = await startJwksServer([jwk(rsa.publicKey, 'rs', 'RS256'), jwk(ec.publicKey, 'es', 'ES256'), jwk(ed.publicKey, 'ed', 'EdDSA')]);
    for (const tolerance of [0, 5]) {
      for (const alg of ALGS) {
        const options = { env: {}, verifyKey: alg.startsWith('HS') ? TEST_HS_SECRET : PUBLIC_PEM[alg]!, algorithm: alg, clockToleranceSeconds: tolerance };
        pairs.set(`${alg}/${tolerance}`, [buildJwtVerifier(options, true), buildJwtVerifier(options, false)]);
      }
      // a JWKS (with a legacy HMAC key beside it), and one requiring an issuer
      const jwksOptions = { env: {}, jwksUrl: jwks.url, verifyKey: TEST_HS_SECRET, jwksAlgorithms: ['RS256', 'ES256', 'EdDSA', 'PS256'], clockToleranceSeconds: tolerance };
      pairs.set(`jwks/${tolerance}`, [buildJwtVerifier(jwksOptions, true), buildJwtVerifier(jwksOptions, false)]);
      const issuerOptions = { env: {}, verifyKey: PUBLIC_PEM.ES256!, algorithm: 'ES256', issuer: 'https://issuer.example', audience: ['authenticated', 'other'], clockToleranceSeconds: tolerance };
      pairs.set(`issuer/${tolerance}`, [buildJwtVerifier(issuerOptions, true), buildJwtVerifier(issuerOptions, false)]);
    }
  });
  after(async () => {
    await jwks.stop();
  });

  it('gives the same verdict, payload and error as jose on generated tokens', async () => {
    let accepted = 0;
    let acceptedNow = 0;
    await fc.assert(
      fc.asyncProperty(tokenSpec, async (spec) => {
        const names = [...pairs.keys()];
        const pairName =
          spec.verifier === 'any' ? names[spec.anyPair % names.length]! : spec.verifier === 'own' ? `${spec.alg}/${spec.tolerance}` : `${spec.verifier}/${spec.tolerance}`;
        const [fast, jose] = pairs.get(pairName)!;
        const before = Math.floor(Date.now() / 1000);
        const token = buildToken(spec, before);
        const now = synchronousVerification(fast)?.(token);
        const [a, b] = [await verdict(fast, token), await verdict(jose, token)];
        // a second boundary between the calls may legitimately flip a claim at the edge
        fc.pre(Math.floor(Date.now() / 1000) === before);
        assert.deepEqual(a, b, `${pairName} ${JSON.stringify(spec)}`);
        // the synchronous verification may defer (undefined), never accept what jose refuses
        if (now !== undefined) assert.deepEqual({ ok: now }, b, `synchronous: ${pairName} ${JSON.stringify(spec)}`);
        if (now !== undefined) acceptedNow += 1;
        if ('ok' in a) accepted += 1;
      }),
      { numRuns: 1500 },
    );
    // the property must exercise acceptance, not only rejections
    assert.ok(accepted > 50, `only ${accepted} accepted tokens`);
    assert.ok(acceptedNow > 20, `only ${acceptedNow} tokens accepted synchronously`);
  });

  it('verifies ordinary tokens of every algorithm on the fast path and rejects a forged one like jose', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const alg of ALGS) {
      const [fast, jose] = pairs.get(`${alg}/0`)!;
      const header = b64(JSON.stringify({ alg, typ: 'JWT' }));
      const payload = b64(JSON.stringify({ sub: 'u', aud: 'authenticated', iat: now, exp: now + 60 }));
      const good = `${header}.${payload}.${b64(signBytes(alg, `${header}.${payload}`, 'valid'))}`;
      assert.equal(((await verdict(fast, good)) as { ok: { sub: string } }).ok.sub, 'u', alg);
      const forged = `${header}.${payload}.${b64(signBytes(alg, `${header}.${payload}`, 'other-key'))}`;
      assert.deepEqual(await verdict(fast, forged), await verdict(jose, forged), alg);
    }
  });

  it('takes a base64url segment as canonical exactly when re-encoding its bytes gives it back', () => {
    const alphabet = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'];
    const segment = fc.oneof(
      fc.array(fc.constantFrom(...alphabet), { maxLength: 13 }).map((chars) => chars.join('')),
      fc.array(fc.constantFrom(...alphabet, '=', '+', '/', '.', ' '), { maxLength: 9 }).map((chars) => chars.join('')),
      fc.uint8Array({ maxLength: 10 }).map((bytes) => Buffer.from(bytes).toString('base64url')),
    );
    let canonical = 0;
    fc.assert(
      fc.property(segment, (text) => {
        const bytes = Buffer.from(text, 'base64url');
        const expected = /^[A-Za-z0-9_-]*$/.test(text) && bytes.toString('base64url') === text;
        const got = segmentBytes(text);
        assert.equal(got !== undefined, expected, JSON.stringify(text));
        if (got) {
          assert.deepEqual(got, bytes);
          canonical += 1;
        }
      }),
      { numRuns: 5000 },
    );
    assert.ok(canonical > 1000, `only ${canonical} canonical segments`);
  });
});
