import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import request from 'supertest';
import type { Express } from 'express';
import { accessLog, getLogger, redactHeaders, redactUrl, requestContext } from '../../lib/logging/index.js';
import { REDACTED } from '../../lib/logging/redact.js';
import { ConfigError } from '../../lib/config/index.js';
import { forEachExpress } from '../support/express.js';
import { captureLogs, MemoryTransport, waitFor, type Record_ } from './helpers.js';

function accessLines(memory: MemoryTransport): Record_[] {
  return memory.records.filter((record) => record.logger === 'access');
}

forEachExpress('accessLog', ({ create }) => {
  let memory: MemoryTransport;
  let app: Express;
  beforeEach(() => {
    memory = captureLogs();
    app = create();
    app.use(requestContext(), accessLog());
    app.get('/users/:id', (req, res) => res.json({ id: req.params.id }));
    app.get('/stream', (_req, res) => {
      res.type('text/plain');
      Readable.from(['abc', 'defg']).pipe(res);
    });
    app.get('/fail', (_req, res) => {
      res.status(500).send('boom');
    });
    app.get('/hang', () => {
      // never answers: the client aborts
    });
  });

  it('one line per request: method, route path, status, duration, bytes, ip, user agent, request id', async () => {
    const response = await request(app).get('/users/42?token=abc').set('User-Agent', 'tester/1.0').set('X-Request-Id', 'rid-1');
    assert.equal(response.status, 200);
    const [line, ...rest] = accessLines(memory);
    assert.equal(rest.length, 0);
    assert.equal(line!.level, 'info');
    assert.equal(line!.method, 'GET');
    assert.equal(line!.path, '/users/:id');
    assert.equal(line!.status, 200);
    assert.equal(typeof line!.durationMs, 'number');
    assert.ok((line!.durationMs as number) >= 0);
    assert.equal(line!.bytes, Buffer.byteLength(JSON.stringify({ id: '42' })));
    assert.match(String(line!.ip), /127\.0\.0\.1|::1/);
    assert.equal(line!.userAgent, 'tester/1.0');
    assert.equal(line!.requestId, 'rid-1');
    assert.match(String(line!.message), /^GET \/users\/:id 200 [\d.]+ms$/);
    assert.ok(!JSON.stringify(line).includes('abc'), 'the query is not logged');
  });

  it('logs the ip Express gives req.ip, with trust proxy off (the socket, X-Forwarded-For ignored) and on (the forwarded client)', async () => {
    const seen: (string | undefined)[] = [];
    for (const trust of [false, 1]) {
      const other = create();
      other.set('trust proxy', trust);
      other.use(requestContext(), accessLog());
      other.get('/ip', (req, res) => {
        seen.push(req.ip);
        res.send('ok');
      });
      await request(other).get('/ip').set('X-Forwarded-For', '198.51.100.7').expect(200);
    }
    const lines = accessLines(memory);
    assert.equal(lines.length, 2);
    assert.match(String(lines[0]!.ip), /127\.0\.0\.1|::1/);
    assert.equal(lines[1]!.ip, '198.51.100.7');
    assert.deepEqual(lines.map((line) => line.ip), seen);
  });

  it('joins the router mount path, falls back to the path without query for unmatched routes', async () => {
    const router = create();
    router.get('/items/:itemId', (_req, res) => res.send('item'));
    app.use('/api/v1', router);
    await request(app).get('/api/v1/items/9?secret=s');
    await request(app).get('/nowhere/at/all?code=xyz');
    const [mounted, missing] = accessLines(memory);
    assert.equal(mounted!.path, '/api/v1/items/:itemId');
    assert.equal(missing!.path, '/nowhere/at/all');
    assert.equal(missing!.status, 404);
  });

  it('counts streamed (chunked) response bytes and logs 5xx with their status', async () => {
    const streamed = await request(app).get('/stream');
    assert.equal(streamed.text, 'abcdefg');
    const failed = await request(app).get('/fail');
    assert.equal(failed.status, 500);
    const [stream, fail] = accessLines(memory);
    assert.equal(stream!.bytes, 7);
    assert.equal(fail!.status, 500);
  });

  it('bytes are the body bytes sent: Content-Length when set, 0 for HEAD, 204 and 304, counted when streamed', async () => {
    app.get('/text', (_req, res) => res.send('hello'));
    app.get('/empty', (_req, res) => res.status(204).end());
    app.get('/cached', (_req, res) => res.status(304).end());
    app.get('/mixed', (_req, res) => {
      res.write('abc');
      res.end('defgh');
    });
    app.get('/raw', (_req, res) => res.end('1234'));
    app.head('/streamed-head', (_req, res) => {
      res.write('abc');
      res.end('de');
    });
    await request(app).get('/text').expect(200, 'hello');
    await request(app).head('/text').expect(200);
    await request(app).get('/empty').expect(204);
    await request(app).get('/cached').expect(304);
    await request(app).get('/mixed').expect(200, 'abcdefgh');
    await request(app).get('/raw').expect(200, '1234');
    await request(app).head('/streamed-head').expect(200);
    assert.deepEqual(accessLines(memory).map((line) => [line.method, line.path, line.bytes]), [
      ['GET', '/text', 5],
      ['HEAD', '/text', 0],
      ['GET', '/empty', 0],
      ['GET', '/cached', 0],
      ['GET', '/mixed', 8],
      ['GET', '/raw', 4],
      ['HEAD', '/streamed-head', 0],
    ]);
  });

  it('sets no own end() on a response that never streams (one own write() only)', async () => {
    let own: string[] = [];
    app.get('/own', (_req, res) => {
      own = ['write', 'end'].filter((name) => Object.prototype.hasOwnProperty.call(res, name));
      res.json({ ok: true });
    });
    await request(app).get('/own').expect(200);
    assert.deepEqual(own, ['write']);
    assert.equal(accessLines(memory)[0]!.bytes, Buffer.byteLength('{"ok":true}'));
  });

  it('logs aborted requests once, as aborted, at warning level', async () => {
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write('GET /hang HTTP/1.1\r\nHost: x\r\nX-Request-Id: aborted-1\r\n\r\n');
      await new Promise((resolve) => setTimeout(resolve, 50)); // the request reaches the handler
      socket.destroy();
      await waitFor(() => accessLines(memory).length > 0, 5000, 'the aborted line');
      await new Promise((resolve) => setImmediate(resolve));
      const lines = accessLines(memory);
      assert.equal(lines.length, 1);
      assert.equal(lines[0]!.aborted, true);
      assert.equal(lines[0]!.level, 'warning');
      assert.equal(lines[0]!.requestId, 'aborted-1');
      assert.match(String(lines[0]!.message), /\(aborted\)$/);
    } finally {
      server.close();
    }
  });

  it('url option logs the URL with token-looking query values redacted; skip and level hooks work', async () => {
    const other = create();
    other.use(accessLog({ url: true, skip: (req) => req.path === '/health', level: (status) => (status >= 500 ? 'error' : status >= 400 ? 'warning' : 'info') }));
    other.get('/cb', (_req, res) => res.send('ok'));
    other.get('/health', (_req, res) => res.send('ok'));
    await request(other).get('/cb?code=c0de&state=st4te&access_token=tok&api_key=k3y&page=2&password=pw');
    await request(other).get('/health');
    await request(other).get('/missing');
    const lines = accessLines(memory);
    assert.equal(lines.length, 2);
    const url = String(lines[0]!.url);
    assert.equal(url, `/cb?code=${REDACTED}&state=${REDACTED}&access_token=${REDACTED}&api_key=${REDACTED}&page=2&password=${REDACTED}`);
    for (const secret of ['c0de', 'st4te', 'tok', 'k3y', 'pw']) assert.ok(!JSON.stringify(lines).includes(`=${secret}`));
    assert.equal(lines[1]!.level, 'warning');
    assert.equal(lines[1]!.status, 404);
  });

  it('never logs credential headers, and hostile user agents cannot forge lines or colors', async () => {
    await request(app)
      .get('/users/1')
      .set('Authorization', 'Bearer very-secret-token')
      .set('Cookie', 'session=cookie-secret')
      .set('X-API-Key', 'agpt_key_secret')
      .set('User-Agent', `evil\t[31m red ${'x'.repeat(2000)}`);
    const text = JSON.stringify(memory.records);
    for (const secret of ['very-secret-token', 'cookie-secret', 'agpt_key_secret']) assert.ok(!text.includes(secret));
    const line = accessLines(memory)[0]!;
    assert.ok(!String(line.userAgent).includes('\t'), 'control characters removed');
    assert.ok(String(line.userAgent).length <= 512);
  });

  it('lines written in handlers and the access line share the request id', async () => {
    app.get('/both', (_req, res) => {
      getLogger('handler').info('in handler');
      res.send('ok');
    });
    const response = await request(app).get('/both');
    const id = response.headers['x-request-id'];
    const ids = memory.records.map((record) => record.requestId);
    assert.deepEqual(ids, [id, id]);
  });
});

describe('accessLog options and redaction helpers', () => {
  it('validates options when the factory is called', () => {
    assert.throws(() => accessLog({ level: 'loud' }), ConfigError);
    assert.throws(() => accessLog({ bogus: true } as never), ConfigError);
  });

  it('redactHeaders and redactUrl', () => {
    assert.deepEqual(redactHeaders({ Authorization: 'Bearer a', cookie: 'c', 'set-cookie': ['s'], 'x-api-key': 'k', accept: '*/*' }), {
      Authorization: REDACTED,
      cookie: REDACTED,
      'set-cookie': REDACTED,
      'x-api-key': REDACTED,
      accept: '*/*',
    });
    assert.equal(redactUrl('https://h/p?x=1&Token=t&client_secret=s&my_api_key=k#frag'), `https://h/p?x=1&Token=${REDACTED}&client_secret=${REDACTED}&my_api_key=${REDACTED}#frag`);
    assert.equal(redactUrl('/plain/path'), '/plain/path');
    assert.equal(redactUrl('/p?%74oken=t&flag'), `/p?%74oken=${REDACTED}&flag`);
    assert.equal(redactUrl('/p?%zz=1'), '/p?%zz=1');
  });
});

describe('accessLog and requestContext mounted twice or misconfigured at runtime', () => {
  it('keeps the first context when requestContext is mounted twice, and falls back to info for unknown levels', async () => {
    const memory = captureLogs();
    const { default: express } = await import('express');
    const app = express();
    const router = express.Router();
    router.use(requestContext());
    router.get('/x', (req, res) => res.json({ id: req.requestId }));
    app.use(requestContext(), accessLog({ level: () => 'loud' }), router);
    const response = await request(app).get('/x').set('X-Request-Id', 'outer-id');
    assert.equal(response.body.id, 'outer-id');
    const [line] = accessLines(memory);
    assert.equal(line!.level, 'info');
    assert.equal(line!.requestId, 'outer-id');
  });
});

describe('accessLog with a custom logger', () => {
  it('writes through it, keeping its name', async () => {
    const memory = captureLogs();
    const { default: express } = await import('express');
    const app = express();
    app.use(accessLog({ logger: getLogger('http') }));
    app.get('/', (_req, res) => res.send('ok'));
    await request(app).get('/');
    assert.equal(memory.records.length, 1);
    assert.equal(memory.records[0]!.logger, 'http');
    assert.equal(memory.records[0]!.status, 200);
  });
});

describe('requestContext and accessLog without Express (plain node:http)', () => {
  it('work on bare IncomingMessage/ServerResponse objects', async () => {
    const memory = captureLogs();
    const { createServer } = await import('node:http');
    const context = requestContext();
    const access = accessLog();
    const server = createServer((req, res) => {
      const anyReq = req as never;
      const anyRes = res as never;
      context(anyReq, anyRes, () => {
        access(anyReq, anyRes, () => {
          let body = '';
          req.on('data', (chunk) => (body += chunk));
          req.on('end', () => {
            getLogger('plain').info('handled', { body });
            res.write('abc');
            res.end(JSON.stringify({ id: (req as { requestId?: string }).requestId }));
          });
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const response = await fetch(`http://127.0.0.1:${port}/plain?x=1`, { method: 'POST', body: 'hello', headers: { 'x-request-id': 'plain-1' } });
      assert.equal(await response.text(), 'abc{"id":"plain-1"}');
      await waitFor(() => accessLines(memory).length === 1, 5000, 'the access line');
      const handled = memory.records.find((record) => record.message === 'handled')!;
      assert.equal(handled.requestId, 'plain-1');
      const line = accessLines(memory)[0]!;
      assert.equal(line.path, '/plain');
      assert.equal(line.bytes, 3 + '{"id":"plain-1"}'.length);
      assert.equal(line.requestId, 'plain-1');
    } finally {
      server.close();
    }
  });

  it('req.requestId can still be assigned by the app', async () => {
    const { default: express } = await import('express');
    const app = express();
    app.use(requestContext());
    app.get('/', (req, res) => {
      const before = req.requestId;
      req.requestId = 'overridden';
      res.json({ before, after: req.requestId });
    });
    const response = await request(app).get('/').set('X-Request-Id', 'orig');
    assert.deepEqual(response.body, { before: 'orig', after: 'overridden' });
  });
});
