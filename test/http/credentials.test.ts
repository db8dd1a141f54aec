import assert from 'node:assert/strict';
import { extractApiKey } from '../../lib/api-key/index.js';
import { bearerTokenOf } from '../../lib/auth/index.js';
import { apiKeyChallenge, bearerChallenge } from '../../lib/http/challenges.js';
import { authorizationCredentials, bearerToken, headerText } from '../../lib/http/credentials.js';

describe('http credentials: one reader for auth and api-key', () => {
  it('reads Bearer with a case-insensitive scheme and trimmed credentials; absent, empty or other schemes are undefined', () => {
    const cases: [string | undefined, string | undefined][] = [
      ['Bearer abc.def.ghi', 'abc.def.ghi'],
      ['bearer abc', 'abc'],
      ['BEARER   abc  ', 'abc'],
      ['Bearer\tabc', 'abc'],
      ['  Bearer abc', 'abc'],
      ['Bearer', undefined],
      ['Bearer    ', undefined],
      ['Bearerabc', undefined],
      ['Basic dXNlcjpwYXNz', undefined],
      ['', undefined],
      [undefined, undefined],
    ];
    for (const [header, expected] of cases) {
      assert.equal(bearerToken({ authorization: header }), expected, JSON.stringify(header));
      assert.equal(bearerTokenOf({ headers: { authorization: header } }), expected, JSON.stringify(header));
    }
    assert.equal(authorizationCredentials({ authorization: 'Basic dXNlcjpwYXNz' }, 'basic'), 'dXNlcjpwYXNz');
  });

  it('gives auth and api-key the same reading of Authorization', () => {
    const key = `agpt_${'A'.repeat(43)}`;
    for (const header of [`Bearer ${key}`, `bearer\t${key} `, `  BEARER   ${key}`]) {
      assert.equal(bearerTokenOf({ headers: { authorization: header } }), key);
      assert.deepEqual(extractApiKey({ authorization: header }, 'x-api-key', 'agpt_'), { key, source: 'bearer' });
    }
    assert.equal(extractApiKey({ authorization: 'Bearer eyJhbGciOi.x.y' }, 'x-api-key', 'agpt_'), undefined);
    assert.deepEqual(extractApiKey({ 'x-api-key': ` ${key} `, authorization: 'Bearer other' }, 'x-api-key', 'agpt_'), { key, source: 'header' });
  });

  it('joins repeated header values and treats blank values as absent', () => {
    assert.equal(headerText({ 'x-api-key': ['a', 'b'] }, 'X-API-Key'), 'a, b');
    assert.equal(headerText({ 'x-api-key': '   ' }, 'x-api-key'), undefined);
  });

  it('builds RFC 6750 challenges in one place (no error code when credentials are missing)', () => {
    assert.equal(bearerChallenge(), 'Bearer');
    assert.equal(bearerChallenge('invalid_token'), 'Bearer error="invalid_token"');
    assert.equal(bearerChallenge('insufficient_scope', 'Say "hi" \\ é'), 'Bearer error="insufficient_scope", error_description="Say \'hi\' \' ?"');
    assert.equal(apiKeyChallenge('X-API-Key'), 'APIKey header="X-API-Key"');
  });
});
