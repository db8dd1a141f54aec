import assert from 'node:assert/strict';
import { inspect, format } from 'node:util';
import winston from 'winston';
import Transport from 'winston-transport';
import { z } from 'zod';
import { Credentials, Secret, SECRET_MASK, isSecret, secretSchema } from '../../lib/credentials/index.js';

const VALUE = 'sk-live-9f8e7d6c5b4a';

class CaptureTransport extends Transport {
  readonly lines: string[] = [];
  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    this.lines.push(String(info[Symbol.for('message')]));
    next();
  }
}

describe('credentials: Secret', () => {
  it('reveals the value only through reveal()', () => {
    const secret = new Secret(VALUE);
    assert.equal(secret.reveal(), VALUE);
    assert.ok(isSecret(secret));
    assert.ok(secret instanceof Secret);
    assert.equal(isSecret({ reveal: () => VALUE }), false);
  });

  it('is masked in JSON.stringify, String(), concatenation and template literals', () => {
    const secret = new Secret(VALUE);
    assert.equal(JSON.stringify({ secret }), `{"secret":"${SECRET_MASK}"}`);
    assert.equal(String(secret), SECRET_MASK);
    assert.equal(`${secret}`, SECRET_MASK);
    assert.equal('x' + secret, `x${SECRET_MASK}`);
    assert.equal(secret.toString(), SECRET_MASK);
  });

  it('is masked in util.inspect, console formatting, spreading and Object.keys', () => {
    const secret = new Secret(VALUE);
    const texts = [
      inspect(secret),
      inspect({ nested: { deep: [secret] } }, { depth: 10, showHidden: true }),
      format('%s %o %O %j', secret, secret, { secret }, { secret }),
      JSON.stringify({ ...secret }),
      Object.keys(secret).join(','),
      JSON.stringify(structuredClone({ a: 1 })) + JSON.stringify(Object.entries(secret)),
    ];
    for (const text of texts) assert.ok(!text.includes(VALUE), `leaked in: ${text}`);
    assert.match(inspect(secret), /Secret\(\*{8}\)/);
  });

  it('is masked in winston logs (json, simple and printf formats), also inside credentials', () => {
    const creds = Credentials.parse({ type: 'oauth2', provider: 'github', accessToken: VALUE, refreshToken: `${VALUE}-r`, scopes: [] });
    for (const fmt of [
      winston.format.json(),
      winston.format.simple(),
      winston.format.combine(winston.format.splat(), winston.format.printf((info) => `${info.level} ${info.message} ${String(info.token)}`)),
      winston.format.combine(winston.format.errors({ stack: true }), winston.format.prettyPrint()),
    ]) {
      const capture = new CaptureTransport();
      const logger = winston.createLogger({ format: fmt, transports: [capture] });
      logger.info('token', { token: new Secret(VALUE), creds });
      logger.warn(`refreshed ${creds.type === 'oauth2' ? creds.accessToken : ''}`, { creds });
      logger.info('token %s', new Secret(VALUE));
      assert.equal(capture.lines.length, 3);
      assert.ok(!capture.lines[2]!.includes(VALUE), `winston leaked: ${capture.lines[2]}`);
      capture.lines.pop();
      for (const line of capture.lines) {
        assert.ok(!line.includes(VALUE), `winston leaked: ${line}`);
        assert.ok(line.includes(SECRET_MASK), `expected the mask in: ${line}`);
      }
    }
  });

  it('compares in constant time with equals()', () => {
    const secret = new Secret(VALUE);
    assert.equal(secret.equals(VALUE), true);
    assert.equal(secret.equals(new Secret(VALUE)), true);
    assert.equal(secret.equals(`${VALUE}x`), false);
    assert.equal(secret.equals(''), false);
  });

  it('rejects non-string values', () => {
    assert.throws(() => new Secret(42 as unknown as string), TypeError);
  });

  it('secretSchema accepts a string or a Secret and yields a Secret, never echoing the value', () => {
    const schema = z.object({ token: secretSchema() });
    const fromString = schema.parse({ token: VALUE }).token;
    assert.ok(fromString instanceof Secret);
    assert.equal(fromString.reveal(), VALUE);
    const original = new Secret(VALUE);
    assert.equal(schema.parse({ token: original }).token, original);
    const bad = schema.safeParse({ token: 1234567 });
    assert.equal(bad.success, false);
    const tooLong = schema.safeParse({ token: 'x'.repeat(20_000) });
    assert.equal(tooLong.success, false);
    assert.ok(!JSON.stringify(tooLong.error?.issues).includes('xxxxxxxxxx'));
  });
});
