/**
 * jwt_verification_failures_total{reason}: every rejected token counted once, by the closed
 * reason list, scraped from the kit's /metrics over loopback HTTP.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { metricsHandler } from '../../lib/alerting/index.js';
import { jwtFailureReason } from '../../lib/auth/auth-metrics.js';
import { createJwtVerifier, optionalUser, requireService, requireUser } from '../../lib/auth/index.js';
import { errorHandler } from '../../lib/errors/index.js';
import { KIT_ERROR_CODES } from '../../lib/errors/index.js';
import { parsePrometheus, total } from '../alerting/helpers.js';
import { generateTestKeyPair, signToken, signWith, startJwksServer, supabaseClaims, TEST_HS_SECRET } from '../support/jwt.js';

const verifier = createJwtVerifier({ env: {}, verifyKey: TEST_HS_SECRET, maxTokenBytes: 4096 });
const now = () => Math.floor(Date.now() / 1000);

let server: Server;
let base: string;

before(async () => {
  const app = express();
  app.get('/metrics', metricsHandler());
  app.get('/me', requireUser({ verifier, isRevoked: (payload) => payload.jti === 'revoked' }), (_req, res) => void res.json({}));
  app.get('/maybe', optionalUser({ verifier }), (_req, res) => void res.json({}));
  app.get('/internal', requireService({ verifier, audience: 'https://internal.example' }), (_req, res) => void res.json({}));
  app.use(errorHandler({ onServerError: () => {} }));
  server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

async function failures(): Promise<Record<string, number>> {
  const samples = parsePrometheus(await (await fetch(`${base}/metrics`)).text()).filter((s) => s.name === 'jwt_verification_failures_total');
  return Object.fromEntries(samples.map((s) => [s.labels.reason, s.value]));
}

/** The increase of each reason while `body` runs (the registry is process-wide). */
async function counted(body: () => Promise<void>): Promise<Record<string, number>> {
  const before = await failures();
  await body();
  const after = await failures();
  return Object.fromEntries(Object.entries(after).flatMap(([reason, value]) => (value !== (before[reason] ?? 0) ? [[reason, value - (before[reason] ?? 0)]] : [])));
}

async function get(path: string, token?: string): Promise<number> {
  const res = await fetch(`${base}${path}`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  return res.status;
}

describe('jwt_verification_failures_total', () => {
  it('counts each rejected token once, by reason; valid and missing tokens are not failures', async () => {
    const good = await signToken(supabaseClaims());
    const expired = await signToken(supabaseClaims({ exp: now() - 60 }));
    const forged = await signToken(supabaseClaims(), { key: 'another-secret-0123456789-abcdefghijklmnop' });
    const revoked = await signToken(supabaseClaims({ jti: 'revoked' }));
    const noSub = await signToken(supabaseClaims({ sub: undefined }));
    const delta = await counted(async () => {
      assert.equal(await get('/me', good), 200);
      assert.equal(await get('/me'), 401);
      assert.equal(await get('/me', expired), 401);
      assert.equal(await get('/me', expired), 401);
      assert.equal(await get('/me', forged), 401);
      assert.equal(await get('/me', 'not.a.jwt'), 401);
      assert.equal(await get('/me', 'x'.repeat(5000)), 401);
      assert.equal(await get('/me', revoked), 401);
      assert.equal(await get('/me', noSub), 401);
      assert.equal(await get('/maybe', forged), 200, 'optionalUser lets it pass, and still counts the bad token');
      assert.equal(await get('/internal', good), 401, 'a user token (audience authenticated) where a service token is required');
    });
    assert.deepEqual(delta, { expired: 2, invalid: 4, too_large: 1, revoked: 1, user_id_missing: 1 });
  });

  it('counts an unreachable JWKS as jwks_unavailable (503), not as a bad token', async () => {
    const pair = await generateTestKeyPair('ES256');
    const jwks = await startJwksServer([pair.publicJwk]);
    const remote = createJwtVerifier({ env: {}, jwksUrl: jwks.url, jwksTimeoutMs: 500, jwksCooldownMs: 0 });
    const token = await signWith(pair, supabaseClaims());
    await jwks.down('refuse');
    try {
      const delta = await counted(async () => {
        await assert.rejects(remote.verify(token), { code: 'ERR_AUTH_JWKS_UNAVAILABLE' });
      });
      assert.deepEqual(delta, { jwks_unavailable: 1 });
    } finally {
      await jwks.stop();
    }
  });

  it('has a closed reason list: every auth code maps to a fixed reason, anything else to "other"', () => {
    const reasons = new Set(KIT_ERROR_CODES.filter((code) => code.startsWith('ERR_AUTH_')).map(jwtFailureReason));
    assert.ok(reasons.size <= 10, [...reasons].join());
    assert.equal(jwtFailureReason('ERR_RATE_LIMITED'), 'other');
    assert.equal(jwtFailureReason('ERR_AUTH_TOKEN_EXPIRED'), 'expired');
  });
});
