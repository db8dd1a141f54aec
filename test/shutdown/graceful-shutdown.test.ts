import assert from 'node:assert/strict';
import { once } from 'node:events';
import http, { type Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import express from 'express';
import Transport from 'winston-transport';
import { getRootLogger } from '../../lib/logging/logger.js';
import { getSharedRedis } from '../../lib/redis/index.js';
import { gracefulShutdown, onShutdown, registeredClosers, runClosers } from '../../lib/shutdown/index.js';

function get(port: number, path: string, agent?: http.Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

async function listen(app: express.Express): Promise<{ server: Server; port: number }> {
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

describe('gracefulShutdown', () => {
  afterEach(async () => {
    await runClosers();
  });

  it('lets in-flight requests finish, refuses new connections, then runs closers in phase order', async () => {
    const order: string[] = [];
    onShutdown('flush logs', () => void order.push('logs'), 'logs');
    onShutdown('quit redis', async () => {
      await new Promise((resolve) => setImmediate(resolve));
      order.push('connections');
    }, 'connections');
    onShutdown('release locks', () => void order.push('locks'), 'locks');
    onShutdown('app closer', () => void order.push('app'));

    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const inFlight = new Promise<void>((resolve) => (started = resolve));
    const app = express();
    app.get('/slow', async (_req, res) => {
      started();
      await gate;
      res.send('done');
    });
    const { server, port } = await listen(app);
    const agent = new http.Agent({ keepAlive: true });
    const slow = get(port, '/slow', agent);
    await inFlight;
    const shutdown = gracefulShutdown(server, { timeoutMs: 5000, idleGraceMs: 100 });
    await assert.rejects(get(port, '/slow'), /ECONNREFUSED|ECONNRESET/);
    assert.deepEqual(order, [], 'closers wait for in-flight requests');
    release();
    assert.deepEqual(await slow, { status: 200, body: 'done' });
    const report = await shutdown;
    assert.equal(report.drained, true);
    assert.deepEqual(report.failures, []);
    assert.deepEqual(order, ['app', 'locks', 'connections', 'logs']);
    assert.deepEqual(registeredClosers(), [], 'closers run once and are unregistered');
    agent.destroy();
  });

  it('closes connections still busy after timeoutMs and reports drained: false', async () => {
    const app = express();
    app.get('/hang', () => {
      // never answers
    });
    const { server, port } = await listen(app);
    const hung = get(port, '/hang').catch((err: Error) => err);
    await new Promise((resolve) => server.once('request', () => setImmediate(resolve)));
    const report = await gracefulShutdown(server, { timeoutMs: 50 });
    assert.equal(report.drained, false);
    assert.ok((await hung) instanceof Error, 'the hung request was cut');
  });

  it('keeps going when a closer throws and reports every failure', async () => {
    let ranAfter = false;
    onShutdown('bad', () => {
      throw new Error('boom');
    }, 'locks');
    onShutdown('good', () => {
      ranAfter = true;
    }, 'logs');
    const report = await gracefulShutdown(undefined);
    assert.equal(ranAfter, true);
    assert.deepEqual(report.failures.map((f) => [f.name, f.phase]), [['bad', 'locks']]);
  });

  it('unregisters a closer with the returned function, and rejects a bad timeout', async () => {
    let ran = false;
    const off = onShutdown('x', () => {
      ran = true;
    });
    off();
    await gracefulShutdown(undefined);
    assert.equal(ran, false);
    await assert.rejects(gracefulShutdown(undefined, { timeoutMs: -1 }), { code: 'ERR_CONFIG_INVALID' });
  });
});

describe('gracefulShutdown: one shutdown, every step bounded', () => {
  afterEach(async () => {
    await runClosers();
  });

  it('a second call (SIGINT then SIGTERM) returns the running shutdown: closers still wait for the in-flight request', async () => {
    const order: string[] = [];
    onShutdown('quit redis', () => void order.push('closer'), 'connections');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const inFlight = new Promise<void>((resolve) => (started = resolve));
    const app = express();
    app.get('/slow', async (_req, res) => {
      started();
      await gate;
      order.push('response');
      res.send('done');
    });
    const { server, port } = await listen(app);
    const slow = get(port, '/slow');
    await inFlight;
    const first = gracefulShutdown(server, { timeoutMs: 5000, idleGraceMs: 100 });
    const second = gracefulShutdown(server, { timeoutMs: 5000 });
    assert.equal(second, first, 'the same shutdown');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(order, [], 'no closer ran while the request is in flight');
    release();
    assert.deepEqual(await slow, { status: 200, body: 'done' });
    const report = await second;
    assert.equal(report.drained, true);
    assert.deepEqual(order, ['response', 'closer']);
  });

  it('bounds each closer: a Redis that accepts connections but never answers does not keep shutdown or the log flush waiting', async function () {
    this.timeout(10_000);
    const silent = net.createServer(() => {
      // accepts, never answers
    });
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const sockets = new Set<net.Socket>();
    silent.on('connection', (socket) => sockets.add(socket));
    const url = `redis://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const client = getSharedRedis(url);
    client.on('error', () => {});
    await once(client, 'connect'); // TCP is up; the server just never answers
    const logged: string[] = [];
    const capture = new Transport({ level: 'error' });
    capture.log = (info: { message: string }, next: () => void) => {
      logged.push(info.message);
      next();
    };
    getRootLogger().add(capture);
    const order: string[] = [];
    onShutdown('flush logs', () => {
      order.push(`logs after ${logged.length} error line(s)`);
    }, 'logs');
    try {
      const startedAt = Date.now();
      const report = await gracefulShutdown(undefined, { closerTimeoutMs: 300 });
      const tookMs = Date.now() - startedAt;
      assert.ok(tookMs < 3000, `shutdown resolved (${tookMs} ms)`);
      const hung = report.failures.find((failure) => failure.name.startsWith('redis '));
      assert.ok(hung, 'the Redis closer is reported');
      assert.equal(hung.phase, 'connections');
      assert.equal((hung.error as { code?: string }).code, 'ERR_SHUTDOWN_TIMEOUT');
      assert.ok(logged.some((line) => /did not close in time/.test(line) && line.includes('redis ')), logged.join('\n'));
      assert.deepEqual(order, ['logs after 1 error line(s)'], 'logs flushed last, after the timeout was logged');
      // Disconnected at the deadline (the socket closes asynchronously): nothing keeps the process alive.
      if (client.status !== 'end') await once(client, 'end');
      assert.equal(client.status, 'end');
    } finally {
      getRootLogger().remove(capture);
      client.disconnect();
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it('rejects bad and unknown options with one ConfigError naming each', async () => {
    await assert.rejects(gracefulShutdown(undefined, { timeoutMs: -1, closerTimeoutMs: 1.5, timeout: 5 } as never), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'ERR_CONFIG_INVALID');
      for (const name of ['timeoutMs', 'closerTimeoutMs', 'timeout']) assert.match(error.message, new RegExp(`- ${name}:`));
      return true;
    });
  });
});
