import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import winston from 'winston';
import TransportStream from 'winston-transport';
import { ConfigError } from '../../lib/config/index.js';
import { getLogger, isSensitiveHeader, isSensitiveParam, jsonFormat, redactHeaders, redactUrl, structuredFormat } from '../../lib/logging/index.js';
import { DEFAULT_REDACTED_NAMES, REDACTED } from '../../lib/logging/redact.js';
import { captureLogs, MESSAGE, MemoryTransport } from './helpers.js';

describe('redaction: one list for headers, record fields and URLs', () => {
  afterEach(() => captureLogs());

  it('every built-in name is redacted as a header, inside a logged headers object, as a field and as a query parameter', () => {
    const json = new MemoryTransport({ format: jsonFormat() });
    const text = new MemoryTransport({ format: structuredFormat() });
    captureLogs({ transports: [json, text] });
    for (const name of DEFAULT_REDACTED_NAMES) {
      const secret = `s3cr3t-${name}`;
      assert.ok(isSensitiveHeader(name), `${name} is a sensitive header`);
      assert.equal(redactHeaders({ [name]: secret })[name], REDACTED, name);
      assert.equal(redactUrl(`/p?${name}=${secret}&page=2`), `/p?${name}=${REDACTED}&page=2`, name);
      getLogger('t').info('request', { headers: { [name]: secret, accept: 'text/html' }, [name]: secret, nested: { deeper: { [name]: secret } } });
    }
    const written = [...json.records, ...text.records].map((record) => String(record[MESSAGE])).join('\n');
    assert.ok(!written.includes('s3cr3t-'), 'no built-in name leaks in any format');
    assert.ok(written.includes('text/html'), 'other headers stay');
  });

  it('the cases that used to disagree: x-auth-token/x-access-token/x-csrf-token in a headers object, ?authorization= and ?private_key= in URLs', () => {
    const json = new MemoryTransport({ format: jsonFormat() });
    captureLogs({ transports: [json] });
    getLogger('t').info('in', { headers: { 'x-auth-token': 'a1', 'x-access-token': 'a2', 'x-csrf-token': 'a3', 'X-Request-Id': 'rid' } });
    const record = JSON.parse(String(json.records.at(-1)![MESSAGE]));
    assert.deepEqual(record.headers, { 'x-auth-token': REDACTED, 'x-access-token': REDACTED, 'x-csrf-token': REDACTED, 'X-Request-Id': 'rid' });
    assert.equal(redactUrl('/cb?authorization=Bearer%20x&private_key=pk&privateKey=pk2&q=1'), `/cb?authorization=${REDACTED}&private_key=${REDACTED}&privateKey=${REDACTED}&q=1`);
    assert.ok(isSensitiveParam('X_AUTH_TOKEN') && isSensitiveHeader('xAuthToken'), 'case, - and _ do not matter');
  });

  it('code and state are redacted in URLs only: as record fields they name error codes and states', () => {
    const json = new MemoryTransport({ format: jsonFormat() });
    captureLogs({ transports: [json] });
    getLogger('t').warn('failed', { code: 'ERR_STORE_UNAVAILABLE', state: 'open' });
    const record = JSON.parse(String(json.records.at(-1)![MESSAGE]));
    assert.equal(record.code, 'ERR_STORE_UNAVAILABLE');
    assert.equal(record.state, 'open');
    assert.equal(redactUrl('/cb?code=c&state=s'), `/cb?code=${REDACTED}&state=${REDACTED}`);
  });

  it('users extend the list with names and dot paths and choose the censor; every transport gets the redacted record', () => {
    const memory = new MemoryTransport();
    const json = new MemoryTransport({ format: jsonFormat() });
    captureLogs({ transports: [memory, json], redact: { names: ['x-tenant-secret', 'ssn'], paths: ['user.email', 'items.*.card'], censor: '***' } });
    const user = { email: 'a@b.c', name: 'Ann' };
    getLogger('t').info('order', { user, items: [{ card: '4111', sku: 'x' }], ssn: '123-45', headers: { 'X-Tenant-Secret': 'ts', authorization: 'Bearer t' } });
    const record = JSON.parse(String(json.records.at(-1)![MESSAGE]));
    assert.deepEqual(record.user, { email: '***', name: 'Ann' });
    assert.deepEqual(record.items, [{ card: '***', sku: 'x' }]);
    assert.equal(record.ssn, '***');
    assert.deepEqual(record.headers, { 'X-Tenant-Secret': '***', authorization: '***' });
    assert.deepEqual((memory.records.at(-1)!.user as object), { email: '***', name: 'Ann' }, 'a transport without format sees the path redacted too');
    assert.equal(user.email, 'a@b.c', 'the logged object is never mutated');
    assert.equal(redactUrl('/x?ssn=1'), '/x?ssn=***');
  });

  it('reconfiguring replaces the user part; the built-in list stays; bad redact options are a ConfigError', () => {
    captureLogs({ redact: { names: ['ssn'] } });
    assert.ok(isSensitiveParam('ssn'));
    captureLogs();
    assert.ok(!isSensitiveParam('ssn'));
    assert.ok(isSensitiveParam('authorization'));
    assert.throws(() => captureLogs({ redact: { paths: ['a..b'], names: [''], bogus: 1 } as never }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /paths/);
      assert.match(error.message, /names/);
      return true;
    });
  });

  it('a transport made with another copy of winston is accepted (duck-typed, like winston itself)', () => {
    const other = loadAnotherWinston();
    assert.notEqual(other.Console, winston.transports.Console, 'really another copy');
    assert.ok(!(new other.Console() instanceof TransportStream));
    const seen: string[] = [];
    class Foreign extends other.Transport {
      override log(info: Record<string | symbol, unknown>, callback: () => void): void {
        seen.push(String(info.message));
        callback();
      }
    }
    captureLogs({ transports: [new Foreign(), new other.Console({ silent: true })] });
    getLogger('t').info('to the foreign transport');
    assert.deepEqual(seen, ['to the foreign transport']);
    assert.throws(() => captureLogs({ transports: [{ nope: true } as never] }), ConfigError);
  });
});

/** A second, independent copy of winston and winston-transport (as in a linked package or a monorepo). */
function loadAnotherWinston(): { Transport: typeof TransportStream; Console: typeof winston.transports.Console } {
  const require = createRequire(import.meta.url);
  // Ours, all in require.cache first (an ESM import does not list it there; transports load lazily).
  void (require('winston') as typeof winston).transports.Console;
  const ours = Object.keys(require.cache).filter((path) => /[\\/]node_modules[\\/](winston|winston-transport|logform)[\\/]/.test(path));
  const saved = new Map(ours.map((path) => [path, require.cache[path]]));
  for (const path of ours) delete require.cache[path];
  try {
    const other = require('winston') as typeof winston;
    // Read now: winston's transports are getters that require() from the cache on every read.
    return { Transport: (other as unknown as { Transport: typeof TransportStream }).Transport, Console: other.transports.Console };
  } finally {
    for (const path of Object.keys(require.cache)) if (/[\\/]node_modules[\\/](winston|winston-transport|logform)[\\/]/.test(path)) delete require.cache[path];
    for (const [path, module] of saved) require.cache[path] = module;
  }
}
