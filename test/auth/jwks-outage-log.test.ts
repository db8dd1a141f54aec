import assert from 'node:assert/strict';
import express from 'express';
import request from 'supertest';
import { requireUser, createJwtVerifier } from '../../lib/auth/index.js';
import { errorHandler } from '../../lib/errors/index.js';
import { shutdownLogging } from '../../lib/logging/index.js';
import { captureLogs } from '../logging/helpers.js';
import { generateTestKeyPair, signWith, startJwksServer, type JwksServer } from '../support/jwt.js';

describe('auth JWKS: an outage is reported once, not per request', () => {
  let server: JwksServer;
  afterEach(async () => {
    await server.stop();
    await shutdownLogging();
  });

  it('logs one line when the JWKS starts failing and one when it answers again; the 503s are not logged each', async () => {
    const pair = await generateTestKeyPair('ES256');
    server = await startJwksServer([pair.publicJwk]);
    const logs = captureLogs();
    await server.down('error');
    const verifier = createJwtVerifier({ env: {}, jwksUrl: server.url, jwksCooldownMs: 0 });
    const app = express();
    app.get('/me', requireUser({ verifier }), (_req, res) => { res.json({ ok: true }); });
    app.use(errorHandler());
    const token = await signWith(pair);
    for (let i = 0; i < 10; i += 1) {
      await request(app).get('/me').set('Authorization', `Bearer ${token}`).expect(503);
    }
    assert.ok(server.requests() >= 2, 'with no cooldown, every request retried the fetch');
    await server.up();
    await request(app).get('/me').set('Authorization', `Bearer ${token}`).expect(200);
    const lines = logs.records.filter((record) => record.level !== 'debug').map((record) => `${String(record.level)} ${String(record.message)}`);
    assert.equal(lines.filter((line) => line.startsWith('warn') && line.includes('JWKS fetch failed')).length, 1, lines.join('\n'));
    assert.equal(lines.filter((line) => line.includes('JWKS available again')).length, 1, lines.join('\n'));
    assert.equal(lines.filter((line) => line.startsWith('error')).length, 0, `no per-request error lines:\n${lines.join('\n')}`);
  });
});
