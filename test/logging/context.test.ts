import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import request from 'supertest';
import express5 from 'express';
import type { NextFunction, Request, Response } from 'express';
import { accessLog, getLogContext, getLogger, jsonFormat, REQUEST_ID_PATTERN, requestContext, runWithLogContext, setLogContext } from '../../lib/logging/index.js';
import { forEachExpress } from '../support/express.js';
import { captureLogs, MESSAGE, MemoryTransport } from './helpers.js';

const log = getLogger('ctx-test');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function listen(app: express5.Express): Promise<{ server: Server; base: string }> {
  return new Promise((resolve) => {
    // A deep accept backlog: 1000 clients connect at once.
    const server = createServer(app);
    server.listen({ port: 0, host: '127.0.0.1', backlog: 2048 }, () => resolve({ server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
  });
}

forEachExpress('requestContext', ({ create }) => {
  let memory: MemoryTransport;
  beforeEach(() => {
    memory = captureLogs();
  });

  it('1000 concurrent requests awaiting timers, promises and streams: every line carries its own request id and user', async function () {
    this.timeout(60_000);
    const app = create();
    app.use(requestContext());
    app.use(express5.json());
    // A fake auth middleware that finishes later, from a timer callback (userId is read lazily).
    app.use((req: Request, _res: Response, next: NextFunction) => {
      log.info('before auth', { expectRequest: req.header('x-request-id'), expectUser: undefined });
      setTimeout(() => {
        const user = req.header('x-user');
        if (user) (req as unknown as { user: { id: string } }).user = { id: user };
        next();
      }, Math.random() * 5);
    });
    app.post('/work/:n', async (req: Request, res: Response) => {
      const expect = { expectRequest: req.header('x-request-id'), expectUser: req.header('x-user') };
      assert.equal(req.body.n, Number(req.params.n), 'body parsed');
      setLogContext({ n: req.body.n });
      log.info('handler start', expect);
      await sleep(Math.random() * 10);
      log.info('after timer', expect);
      await Promise.all([1, 2].map(async (i) => {
        await Promise.resolve();
        log.info(`promise ${i}`, expect);
      }));
      await pipeline(
        Readable.from(['a', 'b', 'c']),
        new PassThrough(),
        new Writable({
          write(chunk, _encoding, callback) {
            setTimeout(() => {
              log.info(`chunk ${String(chunk)}`, expect);
              callback();
            }, Math.random() * 3);
          },
        }),
      );
      await new Promise<void>((resolve) => setImmediate(() => {
        log.info('immediate', expect);
        resolve();
      }));
      res.json({ requestId: getLogContext().requestId });
    });
    const { server, base } = await listen(app);
    try {
      const total = 1000;
      const responses = await Promise.all(
        Array.from({ length: total }, async (_, n) => {
          const headers: Record<string, string> = { 'content-type': 'application/json', 'x-request-id': `req-${n}` };
          if (n % 3 !== 0) headers['x-user'] = `user-${n}`;
          const response = await fetch(`${base}/work/${n}`, { method: 'POST', headers, body: JSON.stringify({ n }) });
          return { n, status: response.status, header: response.headers.get('x-request-id'), body: (await response.json()) as { requestId: string } };
        }),
      );
      for (const { n, status, header, body } of responses) {
        assert.equal(status, 200);
        assert.equal(header, `req-${n}`);
        assert.equal(body.requestId, `req-${n}`);
      }
      const lines = memory.records.filter((record) => record.logger === 'ctx-test');
      assert.equal(lines.length, total * 9);
      for (const record of lines) {
        assert.equal(record.requestId, record.expectRequest, `line "${String(record.message)}" carries its own request id`);
        assert.equal(record.userId, record.expectUser, `line "${String(record.message)}" of ${String(record.requestId)} carries its own user`);
        if (record.message !== 'before auth') assert.equal(`req-${String(record.n)}`, record.requestId, 'setLogContext fields stay in their request');
      }
    } finally {
      server.close();
    }
  });

  it('keeps the context through callback-style body readers when the body arrives in later packets', async () => {
    const app = create();
    app.use(requestContext());
    // Like older body parsers (busboy, hand-written ones): plain 'data'/'end' listeners on req.
    app.use((req, _res, next) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (text += chunk));
      req.on('end', () => {
        req.body = JSON.parse(text);
        next();
      });
    });
    app.post('/', (req, res) => {
      log.info('parsed', { expectRequest: 'slow-body' });
      res.json({ requestId: getLogContext().requestId ?? null, n: req.body.n });
    });
    const { server } = await listen(app);
    try {
      const port = (server.address() as AddressInfo).port;
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write('POST / HTTP/1.1\r\nHost: x\r\nX-Request-Id: slow-body\r\nContent-Type: application/json\r\nContent-Length: 8\r\nConnection: close\r\n\r\n{"n"');
          setTimeout(() => socket.write(':42}'), 50);
        });
        let data = '';
        socket.on('data', (chunk) => (data += chunk));
        socket.on('end', () => resolve(data));
        socket.on('error', reject);
      });
      assert.match(raw, /^HTTP\/1\.1 200/);
      assert.ok(raw.endsWith('{"requestId":"slow-body","n":42}'), raw);
      const line = memory.records.find((record) => record.message === 'parsed');
      assert.equal(line?.requestId, 'slow-body');
    } finally {
      server.close();
    }
  });

  it('keeps a valid incoming X-Request-Id and replaces an invalid one with a UUID, echoed on the response', async () => {
    const app = create();
    app.use(requestContext());
    app.get('/', (req, res) => res.json({ id: req.requestId, context: getLogContext() }));
    const valid = 'abc.DEF_123:456-789';
    const kept = await request(app).get('/').set('X-Request-Id', valid);
    assert.equal(kept.headers['x-request-id'], valid);
    assert.equal(kept.body.id, valid);
    assert.equal(kept.body.context.requestId, valid);
    for (const bad of ['x'.repeat(129), 'has space', 'semi;colon', 'ünïcode', '<script>', 'a\tb', '']) {
      const response = await request(app).get('/').set('X-Request-Id', bad);
      assert.match(String(response.headers['x-request-id']), UUID, JSON.stringify(bad));
      assert.equal(response.body.id, response.headers['x-request-id']);
    }
    const none = await request(app).get('/');
    assert.match(String(none.headers['x-request-id']), UUID);
  });

  it('hostile X-Request-Id values never crash logging and never reach the response unvalidated (fast-check)', async () => {
    const app = create();
    app.use(requestContext(), accessLog());
    app.get('/', (_req, res) => {
      log.info('hello');
      res.send('ok');
    });
    const { server, base } = await listen(app);
    let sent = 0;
    const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 300 });
    try {
      await fc.assert(
        fc.asyncProperty(fc.oneof(printable, fc.string({ unit: 'binary', maxLength: 300 })), async (value) => {
          let response: globalThis.Response;
          try {
            response = await fetch(`${base}/`, { headers: { 'x-request-id': value } });
          } catch {
            return; // fetch refuses to send values that are not valid header values
          }
          sent += 1;
          assert.equal(response.status, 200);
          const echoed = response.headers.get('x-request-id')!;
          assert.ok(REQUEST_ID_PATTERN.test(echoed));
          assert.ok(echoed === value.trim() || UUID.test(echoed));
        }),
        { numRuns: 150 },
      );
    } finally {
      server.close();
    }
    assert.ok(sent > 50, `only ${sent} requests were sent`);
    assert.ok(memory.records.length >= sent * 2);
  });

  it('a header injection attempt adds nothing to the response', async () => {
    const app = create();
    app.use(requestContext());
    app.get('/', (_req, res) => res.send('ok'));
    const { server } = await listen(app);
    try {
      const port = (server.address() as AddressInfo).port;
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.end('GET / HTTP/1.1\r\nHost: x\r\nX-Request-Id: abc%0d%0aSet-Cookie:%20a=b\r\nConnection: close\r\n\r\n');
        });
        let data = '';
        socket.on('data', (chunk) => (data += chunk));
        socket.on('end', () => resolve(data));
        socket.on('error', reject);
      });
      assert.match(raw, /^HTTP\/1\.1 200/);
      assert.ok(!/set-cookie/i.test(raw));
      const id = /x-request-id: (.*)\r\n/i.exec(raw)?.[1];
      assert.match(id ?? '', UUID);
    } finally {
      server.close();
    }
  });

  it('setLogContext survives weird values: circular, BigInt, functions, symbols, reserved and prototype keys', async () => {
    const json = new MemoryTransport({ format: jsonFormat() });
    memory = captureLogs({ transports: [json] });
    const app = create();
    app.use(requestContext());
    app.get('/', (_req, res) => {
      const circular: Record<string, unknown> = { a: 1 };
      circular.self = circular;
      assert.equal(
        setLogContext({ circular, big: 2n ** 70n, fn() {}, sym: Symbol('x'), level: 'fake', message: 'fake', huge: 'z'.repeat(100_000), ['__proto__']: { polluted: true } }),
        true,
      );
      setLogContext(null as never);
      setLogContext('text' as never);
      log.info('weird');
      res.send('ok');
    });
    const response = await request(app).get('/');
    assert.equal(response.status, 200);
    const record = JSON.parse(String(json.records.at(-1)![MESSAGE]));
    assert.equal(record.message, 'weird');
    assert.equal(record.level, 'INFO');
    assert.deepEqual(record.circular, { a: 1, self: '[Circular]' });
    assert.equal(record.big, (2n ** 70n).toString());
    assert.equal(record.fn, '[Function fn]');
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
  });

  it('order does not matter: a user set by auth after requestContext shows up, impersonation keeps the actor', async () => {
    const app = create();
    app.use(requestContext());
    app.use((req, _res, next) => {
      Object.assign(req, { user: { id: 'admin-1' }, userId: 'target-9', apiKey: { id: 'key-3', key: 'agpt_secret' } });
      next();
    });
    app.get('/', (_req, res) => res.json(getLogContext()));
    const response = await request(app).get('/');
    assert.equal(response.body.userId, 'target-9');
    assert.equal(response.body.actorUserId, 'admin-1');
    assert.equal(response.body.apiKeyId, 'key-3');
    assert.ok(!JSON.stringify(response.body).includes('agpt_secret'));
  });
});

describe('log context outside requests', () => {
  it('is empty outside a context, and runWithLogContext opens one for jobs', async () => {
    const memory = captureLogs();
    assert.deepEqual(getLogContext(), {});
    assert.equal(setLogContext({ a: 1 }), false);
    await runWithLogContext({ requestId: 'job-1', fields: {} }, async () => {
      setLogContext({ graphExecId: 'g-1', nodeExecId: 'n-1' });
      await sleep(1);
      log.info('job step');
      setLogContext({ nodeExecId: undefined });
      log.info('job done');
    });
    log.info('outside');
    const [step, done, outside] = memory.records;
    assert.equal(step!.requestId, 'job-1');
    assert.equal(step!.graphExecId, 'g-1');
    assert.equal(step!.nodeExecId, 'n-1');
    assert.equal(done!.nodeExecId, undefined);
    assert.equal(outside!.requestId, undefined);
  });

  it('requestContext validates its options at call time', () => {
    assert.throws(() => requestContext({ header: 'bad header\n' }), /header/);
    assert.throws(() => requestContext({ nope: 1 } as never), /nope|Unrecognized/);
  });
});

describe('request listener binding', () => {
  it('once-listeners fire once and removeListener still finds listeners added with on()', async () => {
    const app = express5();
    app.use(requestContext());
    app.post('/', (req, res) => {
      let onceCalls = 0;
      let removedCalls = 0;
      const removed = () => (removedCalls += 1);
      req.on('data', removed);
      req.removeListener('data', removed);
      req.once('data', () => (onceCalls += 1));
      assert.equal(req.listenerCount('data'), 1);
      req.on('end', () => res.json({ onceCalls, removedCalls, listeners: req.listenerCount('data') }));
      req.resume();
    });
    const response = await request(app).post('/').send('x'.repeat(100_000));
    assert.deepEqual(response.body, { onceCalls: 1, removedCalls: 0, listeners: 0 });
  });
});
