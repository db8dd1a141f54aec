import assert from 'node:assert/strict';
import { once } from 'node:events';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
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
