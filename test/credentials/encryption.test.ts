import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { ConfigError } from '../../lib/config/index.js';
import { CredentialsKeyRing, IntegrationCredentialsStore, loadCredentialsSettings } from '../../lib/credentials/index.js';
import { isKitError } from '../../lib/errors/index.js';

const hexKey = () => randomBytes(32).toString('hex');
const b64Key = () => randomBytes(32).toString('base64');

function isDecryptError(err: unknown): boolean {
  return isKitError(err) && err.code === 'ERR_CREDENTIALS_DECRYPT';
}

describe('credentials: ENCRYPTION_KEY and AES-256-GCM', () => {
  it('accepts hex, base64 and base64url 32-byte keys, with or without key ids', () => {
    const material = randomBytes(32);
    for (const text of [material.toString('hex'), material.toString('base64'), material.toString('base64url'), `main:${material.toString('hex')}`]) {
      const ring = CredentialsKeyRing.parse(text);
      const sealed = ring.encrypt('hello', 'aad');
      assert.equal(ring.decrypt(sealed, 'aad', 'test'), 'hello');
    }
    // Without an id, the id is a fingerprint of the key, so the same key always gets the same id.
    assert.equal(CredentialsKeyRing.parse(material.toString('hex')).primaryKeyId, CredentialsKeyRing.parse(material.toString('base64')).primaryKeyId);
    assert.equal(CredentialsKeyRing.parse(`main:${material.toString('hex')}`).primaryKeyId, 'main');
  });

  it('a missing, short or malformed key is one clear ConfigError that never echoes the key', () => {
    const secretish = 'my-passphrase-that-is-too-short';
    for (const env of [{}, { ENCRYPTION_KEY: '' }, { ENCRYPTION_KEY: secretish }, { ENCRYPTION_KEY: `bad id!:${hexKey()}` }, { ENCRYPTION_KEY: randomBytes(16).toString('hex') }]) {
      assert.throws(() => loadCredentialsSettings(env), (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.code, 'ERR_CONFIG_INVALID');
        assert.match(err.message, /ENCRYPTION_KEY/);
        assert.ok(!err.message.includes(secretish));
        return true;
      });
    }
    const repeated = hexKey();
    assert.throws(() => CredentialsKeyRing.parse(`a:${repeated},a:${hexKey()}`), /appears twice/);
    assert.throws(() => new IntegrationCredentialsStore({ env: {} }), ConfigError);
    assert.throws(() => new IntegrationCredentialsStore({ encryptionKey: 'short', env: {} }), (err: unknown) => err instanceof ConfigError && /encryptionKey/.test(err.message));
  });

  it('uses a fresh IV per write and binds the additional data', () => {
    const ring = CredentialsKeyRing.parse(hexKey());
    const a = ring.encrypt('same', 'user-1');
    const b = ring.encrypt('same', 'user-1');
    assert.notEqual(a, b);
    assert.equal(a.split(':')[2]!.length, 16, '12-byte IV in base64url');
    assert.throws(() => ring.decrypt(a, 'user-2', 'record'), isDecryptError);
  });

  it('any single-character change of a ciphertext gives ERR_CREDENTIALS_DECRYPT, never garbage', () => {
    const ring = CredentialsKeyRing.parse(`k1:${hexKey()}`);
    const sealed = ring.encrypt(JSON.stringify({ secret: 'x'.repeat(40) }), 'aad');
    fc.assert(
      fc.property(fc.nat({ max: sealed.length - 1 }), fc.constantFrom(...'ABCxyz019-_:.='), (index, replacement) => {
        fc.pre(sealed[index] !== replacement);
        const tampered = sealed.slice(0, index) + replacement + sealed.slice(index + 1);
        let out: string | undefined;
        try {
          out = ring.decrypt(tampered, 'aad', 'record');
        } catch (err) {
          assert.ok(isDecryptError(err), String(err));
          return;
        }
        // base64url has slack bits in its last character: only a decoding to the same bytes may pass.
        assert.equal(out, JSON.stringify({ secret: 'x'.repeat(40) }));
      }),
      { numRuns: 300 },
    );
    for (const junk of ['', 'v1', 'v2:k1:a:b', 'v1:k1::', 'v1:k1:AAAA:BBBB', 'not encrypted']) {
      assert.throws(() => ring.decrypt(junk, 'aad', 'record'), isDecryptError);
    }
  });

  it('a wrong key or an unknown key id gives a clear ERR_CREDENTIALS_DECRYPT', () => {
    const sealed = CredentialsKeyRing.parse(`k1:${hexKey()}`).encrypt('data', 'aad');
    assert.throws(() => CredentialsKeyRing.parse(`k1:${hexKey()}`).decrypt(sealed, 'aad', 'record'), (err: unknown) => {
      assert.ok(isDecryptError(err));
      assert.match((err as Error).message, /authentication failed under key 'k1'/);
      return true;
    });
    assert.throws(() => CredentialsKeyRing.parse(`k2:${hexKey()}`).decrypt(sealed, 'aad', 'record'), (err: unknown) => {
      assert.ok(isDecryptError(err));
      assert.match((err as Error).message, /key id 'k1', which is not in ENCRYPTION_KEY/);
      return true;
    });
  });

  it('the first key encrypts and every key decrypts (rotation)', () => {
    const oldKey = b64Key();
    const oldRing = CredentialsKeyRing.parse(`old:${oldKey}`);
    const sealedOld = oldRing.encrypt('v', 'aad');
    const rotated = CredentialsKeyRing.parse(`new:${hexKey()}, old:${oldKey}`);
    assert.deepEqual(rotated.keyIds, ['new', 'old']);
    assert.equal(rotated.decrypt(sealedOld, 'aad', 'r'), 'v');
    assert.equal(rotated.keyIdOf(rotated.encrypt('v', 'aad')), 'new');
  });

  it('never shows key material in inspect or JSON', () => {
    const key = hexKey();
    const ring = CredentialsKeyRing.parse(`main:${key}`);
    assert.ok(!inspect(ring, { showHidden: true, depth: 5 }).includes(key));
    assert.ok(!JSON.stringify(ring).includes(key));
    assert.ok(!JSON.stringify(ring).includes(Buffer.from(key, 'hex').toString('base64')));
  });
});
