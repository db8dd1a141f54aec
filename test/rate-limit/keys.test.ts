import assert from 'node:assert/strict';
import fc from 'fast-check';
import { defaultClientKey } from '../../lib/rate-limit/client-key.js';
import { rateLimitIpKey, rateLimitStorageKey } from '../../lib/rate-limit/index.js';

/** The hash tag Redis Cluster uses: the text between the first `{` and the next `}`. */
function hashTag(key: string): string | undefined {
  const open = key.indexOf('{');
  const close = key.indexOf('}', open + 1);
  return open >= 0 && close > open + 1 ? key.slice(open + 1, close) : undefined;
}

describe('rate-limit: storage keys', () => {
  it('keeps safe keys readable and namespaced by limiter name and algorithm', () => {
    assert.equal(rateLimitStorageKey('api', 'sliding-log', 'user:42'), 'rl:{api:k:user:42}:ll');
    assert.equal(rateLimitStorageKey('api', 'sliding-window', 'user:42'), 'rl:{api:k:user:42}:win');
    assert.notEqual(rateLimitStorageKey('api', 'token-bucket', 'user:42'), rateLimitStorageKey('login', 'token-bucket', 'user:42'));
  });

  it('hostile keys (long, unicode, braces, newlines) keep one well-formed hash tag, carry no raw text, and never collide', () => {
    const hostile = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.constantFrom('{', '}', '{}', 'a}b{c', '\n', 'x\r\ny', ' ', '', 'user:42 ', 'k:user:42', 'h:abc', '}{'),
      fc.string({ minLength: 129, maxLength: 5000 }),
      fc.array(fc.constantFrom('{', '}', ':', '\n', 'é', '🙂', 'a'), { maxLength: 60 }).map((parts) => parts.join('')),
    );
    const seen = new Map<string, string>();
    fc.assert(fc.property(fc.array(hostile, { minLength: 1, maxLength: 20 }), (keys) => {
      for (const key of keys) {
        const stored = rateLimitStorageKey('api', 'sliding-log', key);
        const tag = hashTag(stored);
        assert.ok(tag?.startsWith('api:'), `hash tag of ${JSON.stringify(key)}`);
        assert.match(stored, /^rl:\{api:[kh]:[A-Za-z0-9._:@/+=-]+\}:ll$/);
        assert.ok(stored.length <= 200);
        if (key.length > 128 || key === '' || /[^A-Za-z0-9._:@/+=-]/.test(key)) assert.ok(stored.startsWith('rl:{api:h:'), 'unsafe keys are hashed');
        const before = seen.get(stored);
        if (before !== undefined) assert.equal(before, key, 'two different keys map to one storage key');
        seen.set(stored, key);
      }
    }), { numRuns: 150 });
  });

  it('a hashed key cannot be forged by a safe-looking key', () => {
    const hashed = rateLimitStorageKey('api', 'sliding-log', 'a b');
    const body = /\{api:h:([^}]+)\}/.exec(hashed)![1]!;
    assert.notEqual(rateLimitStorageKey('api', 'sliding-log', `h:${body}`), hashed);
  });
});

describe('rate-limit: client keys', () => {
  const req = (headers: Record<string, string>, extra: Record<string, unknown> = {}) => ({ headers, ip: '127.0.0.1', ...extra });

  it('prefers the verified user id, then the verified API key (by a non-secret id), then the IP', () => {
    assert.equal(defaultClientKey(req({ authorization: 'Bearer abc' }, { user: { id: 'u1' } })), 'user:u1');
    assert.equal(defaultClientKey(req({}, { apiKey: { id: 'key-7', hash: 'h', head: 'agpt_abc' } })), 'apikey:key-7');
    assert.equal(defaultClientKey(req({}, { apiKey: { head: 'agpt_abc', hash: 'h' } })), 'apikey:agpt_abc');
    const byHash = defaultClientKey(req({}, { apiKey: { hash: 'stored-hash-value' } }));
    assert.match(byHash, /^apikey:[A-Za-z0-9_-]{43}$/);
    assert.ok(!byHash.includes('stored-hash-value'));
    assert.equal(defaultClientKey(req({}, { user: { id: 'u1' }, apiKey: { id: 'k' } })), 'user:u1');
    assert.equal(defaultClientKey(req({})), 'ip:127.0.0.1');
    assert.equal(defaultClientKey(req({}, { user: { id: 7 } })), 'user:7');
    assert.equal(defaultClientKey(req({}, { user: { id: { evil: true } } })), 'ip:127.0.0.1', 'odd user ids are ignored');
    assert.equal(defaultClientKey(req({}, { user: null })), 'ip:127.0.0.1');
    assert.equal(defaultClientKey(req({}, { apiKey: { id: {} } })), 'ip:127.0.0.1', 'an api key record without an id is ignored');
  });

  it('never keys on an unverified credential: Bearer tokens and X-API-Key values fall back to the IP', () => {
    for (const headers of <Record<string, string>[]>[{ authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.AAAA.sig1' }, { authorization: 'Bearer other' }, { 'x-api-key': 'agpt_secret' }]) {
      assert.equal(defaultClientKey(req(headers)), 'ip:127.0.0.1', JSON.stringify(headers));
    }
  });

  it('groups IPv6 by /56, maps IPv4-mapped IPv6 to IPv4, and leaves IPv4 alone', () => {
    assert.equal(rateLimitIpKey('192.0.2.7'), '192.0.2.7');
    assert.equal(rateLimitIpKey('::ffff:192.0.2.7'), '192.0.2.7');
    assert.equal(rateLimitIpKey('::ffff:c000:0207'), '192.0.2.7');
    assert.equal(rateLimitIpKey('2001:db8:1234:5678::1'), '2001:db8:1234:5600:0:0:0:0/56');
    assert.equal(rateLimitIpKey('2001:db8:1234:56ff:ffff::9'), rateLimitIpKey('2001:db8:1234:5600::1'));
    assert.notEqual(rateLimitIpKey('2001:db8:1234:5700::1'), rateLimitIpKey('2001:db8:1234:5600::1'));
    assert.equal(rateLimitIpKey('::1'), '0:0:0:0:0:0:0:0/56');
    assert.equal(rateLimitIpKey('fe80::1%eth0', 64), 'fe80:0:0:0:0:0:0:0/64');
    assert.equal(rateLimitIpKey('2001:db8::1', 128), '2001:db8:0:0:0:0:0:1/128');
  });

  it('never throws on odd addresses', () => {
    fc.assert(fc.property(fc.string({ maxLength: 60 }), (address) => {
      assert.equal(typeof rateLimitIpKey(address), 'string');
    }));
  });
});
