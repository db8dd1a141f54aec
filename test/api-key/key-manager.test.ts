import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../lib/config/index.js';
import { APIKeyManager } from '../../lib/api-key/index.js';

interface Vector {
  key: string;
  salt: string;
  hash: string;
  legacy_sha256: string;
  head: string;
  tail: string;
}
const { vectors } = JSON.parse(readFileSync(new URL('./fixtures/api-key-scrypt.json', import.meta.url), 'utf8')) as { vectors: Vector[] };

describe('APIKeyManager', () => {
  const keys = new APIKeyManager();

  it('verifies the reference’s Python vectors (scrypt with the hex-decoded salt, legacy SHA-256, head, tail)', async () => {
    assert.ok(vectors.length >= 3);
    for (const v of vectors) {
      assert.equal(await keys.verify(v.key, v.hash, v.salt), true);
      assert.equal(await keys.verify(v.key, v.legacy_sha256), true);
      assert.equal(await keys.verify(v.key, v.legacy_sha256, null), true);
      assert.equal(keys.head(v.key), v.head);
      assert.equal(keys.tail(v.key), v.tail);
      assert.equal(keys.validateFormat(v.key), true);
      // the salt is used decoded (Python bytes.fromhex), not as the hex string's bytes
      assert.equal(await keys.verify(v.key, v.hash, Buffer.from(v.salt).toString('hex')), false);
    }
  });

  it('generates keys in the reference format whose hash verifies', async () => {
    const generated = await keys.generate();
    assert.match(generated.key, /^agpt_[A-Za-z0-9_-]{43}$/);
    assert.equal(generated.head, generated.key.slice(0, 8));
    assert.equal(generated.tail, generated.key.slice(-8));
    assert.match(generated.hash, /^[0-9a-f]{64}$/);
    assert.match(generated.salt, /^[0-9a-f]{64}$/);
    assert.equal(await keys.verify(generated.key, generated.hash, generated.salt), true);
    assert.equal(keys.needsRehash(generated.salt), false);
    assert.equal(keys.validateFormat(generated.key), true);
  });

  it('generates 10k distinct keys; generate() gives distinct salts and hashes', async function () {
    this.timeout(20_000);
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const key = keys.newKey();
      assert.equal(keys.validateFormat(key), true);
      seen.add(key);
    }
    assert.equal(seen.size, 10_000);
    const full = await Promise.all(Array.from({ length: 8 }, () => keys.generate()));
    assert.equal(new Set(full.map((g) => g.key)).size, 8);
    assert.equal(new Set(full.map((g) => g.salt)).size, 8);
    assert.equal(new Set(full.map((g) => g.hash)).size, 8);
  });

  it('honours a custom prefix and rejects bad ones at construction', async () => {
    const custom = new APIKeyManager({ prefix: 'acme_' });
    const { key, hash, salt } = await custom.generate();
    assert.ok(key.startsWith('acme_'));
    assert.equal(await custom.verify(key, hash, salt), true);
    assert.equal(await keys.verify(key, hash, salt), false); // wrong prefix for the default manager
    for (const prefix of ['', 'has space', 'x'.repeat(33), 'é_']) assert.throws(() => new APIKeyManager({ prefix }), ConfigError);
    assert.throws(() => new APIKeyManager({ prefix: 'a_', extra: true } as never), ConfigError);
  });

  it('reports legacy (unsalted) hashes as needing a rehash, and rehashes them', async () => {
    const v = vectors[0] as Vector;
    assert.equal(keys.needsRehash(undefined), true);
    assert.equal(keys.needsRehash(null), true);
    assert.equal(keys.needsRehash(''), true);
    assert.equal(keys.needsRehash(v.salt), false);
    const fresh = await keys.hash(v.key);
    assert.notEqual(fresh.salt, v.salt);
    assert.equal(await keys.verify(v.key, fresh.hash, fresh.salt), true);
    await assert.rejects(keys.hash('nope_abc'), (error: Error) => error instanceof TypeError && !error.message.includes('nope_abc'));
  });

  it('returns false, never throws, on a wrong key, prefix, length, hash or salt', async () => {
    const v = vectors[0] as Vector;
    const wrong: [unknown, unknown, unknown][] = [
      [`${v.key.slice(0, -1)}x`, v.hash, v.salt], // one character off
      [v.key.replace('agpt_', 'agpx_'), v.hash, v.salt], // other prefix
      [v.key.slice(5), v.hash, v.salt], // no prefix
      [`${v.key}A`, v.hash, v.salt], // longer
      [`agpt_${'A'.repeat(600)}`, v.hash, v.salt], // over the length limit
      [v.key, v.hash.slice(0, 62), v.salt], // short hash
      [v.key, `${v.hash}00`, v.salt], // long hash
      [v.key, v.hash.replace(/^./, 'g'), v.salt], // non-hex hash
      [v.key, v.hash, 'xyz'], // non-hex salt
      [v.key, v.hash, 'abc'], // odd-length salt
      [v.key, v.hash, vectors[1]?.salt], // other salt
      [v.key, v.legacy_sha256, v.salt], // legacy hash given a salt
      [v.key, v.hash, undefined], // scrypt hash read as legacy
      [v.key, v.hash, 42], // salt of the wrong type
      [undefined, v.hash, v.salt],
      [v.key, undefined, v.salt],
      [123, 456, 789],
    ];
    for (const [key, hash, salt] of wrong) {
      assert.equal(await keys.verify(key as string, hash as string, salt as string), false, JSON.stringify([key, hash, salt]).slice(0, 120));
    }
    assert.equal(await keys.verify(v.key, v.hash.toUpperCase(), v.salt), true); // hex is case-insensitive
  });

  it('refuses a real key with trailing NUL bytes, whitespace or other non-key characters (scrypt pads short passwords)', async () => {
    const v = vectors[0] as Vector;
    for (const suffix of ['\0', '\0\0\0', ' ', '\n', '\t', '=', '%00', '\u00e9']) {
      assert.equal(await keys.verify(`${v.key}${suffix}`, v.hash, v.salt), false, JSON.stringify(suffix));
      assert.equal(await keys.verify(`${v.key}${suffix}`, v.legacy_sha256), false, `legacy ${JSON.stringify(suffix)}`);
    }
    await assert.rejects(keys.hash(`${v.key}\0`), TypeError);
    assert.equal(await keys.verify(v.key, v.hash, v.salt), true);
  });

  it('masks keys (head…tail) and never shows short or foreign values', () => {
    const v = vectors[0] as Vector;
    assert.equal(keys.mask(v.key), `${v.head}…${v.tail}`);
    assert.equal(keys.mask('agpt_short'), '********');
    assert.equal(keys.mask(undefined as unknown as string), '********');
  });

  it('validateFormat accepts only the prefix plus 43 base64url characters', () => {
    const v = vectors[0] as Vector;
    for (const bad of [v.key.slice(0, -1), `${v.key}A`, v.key.replace(/.$/, '='), v.key.replace('agpt_', 'AGPT_'), '', ' ' + v.key, 42]) {
      assert.equal(keys.validateFormat(bad as string), false, String(bad));
    }
  });

  it('hashes off the event loop (async scrypt): the loop turns while a verification runs', async () => {
    const v = vectors[0] as Vector;
    let loopTurned = false;
    // a manager that remembers nothing: earlier tests verified this vector already
    const fresh = new APIKeyManager({ verifiedCacheTtlMs: 0 });
    const verification = fresh.verify(v.key, v.hash, v.salt).then((ok) => ({ ok, loopTurnedBefore: loopTurned }));
    // A synchronous scrypt would finish inside verify() and resolve before this callback runs.
    setImmediate(() => (loopTurned = true));
    assert.deepEqual(await verification, { ok: true, loopTurnedBefore: true });
  });

  it('computes the legacy hash as SHA-256 hex of the key, and refuses keys outside the key alphabet', async () => {
    const key = 'agpt_legacy-key_with-dashes-and-more';
    assert.equal(await keys.verify(key, createHash('sha256').update(key).digest('hex')), true);
    // keys were always prefix + base64url; anything else is not a key, whatever its hash
    const odd = 'agpt_legacy-key-with-ünïcode-and-more';
    assert.equal(await keys.verify(odd, createHash('sha256').update(odd).digest('hex')), false);
  });
});
