import assert from 'node:assert/strict';
import express from 'express';
import request from 'supertest';
import { errorHandler } from '../../lib/errors/index.js';
import { requireSession, SessionManager } from '../../lib/session/index.js';
import { faultDrill, rejectionCode, timed } from '../redis/faults.js';

const STORE_TIMEOUT_MS = 200;
// Far below the 8 s pause, far above the deadline even on a loaded machine.
const BOUND_MS = 3000;

describe('SessionManager on a Redis that does not answer', function () {
  this.timeout(20_000);
  let sessions: SessionManager;

  const drill = faultDrill();
  before(() => {
    sessions = new SessionManager({ redis: drill.client, keyPrefix: 'faults:', storeTimeoutMs: STORE_TIMEOUT_MS });
  });

  for (const fault of ['CLIENT PAUSE', 'SIGSTOP'] as const) {
    it(`create, validate and destroy reject with ERR_STORE_UNAVAILABLE within the deadline under ${fault}, and the session survives`, async () => {
      const id = await sessions.create('user-fault');
      await drill.inject(fault);
      const calls: (() => Promise<unknown>)[] = [() => sessions.validate(id), () => sessions.create('user-fault'), () => sessions.destroy(id), () => sessions.destroyAllForUser('user-fault')];
      for (const call of calls) {
        const { result, ms } = await timed(call);
        assert.equal(rejectionCode(result), 'ERR_STORE_UNAVAILABLE', `rejected: ${result.status}`);
        assert.ok(ms >= STORE_TIMEOUT_MS - 20 && ms < BOUND_MS, `answered after the deadline, not the pause (${Math.round(ms)} ms)`);
      }
      await drill.lift();
      // The destroy calls above are still queued and run when Redis answers again: what
      // matters is that they told the caller "unavailable" rather than hanging.
      const after = await sessions.validate(await sessions.create('user-after'));
      assert.equal(after.valid, true, 'works again once Redis answers');
    });
  }

  it('requireSession answers a clear 503 (not a hang) while Redis is stopped', async () => {
    const id = await sessions.create('user-http');
    const app = express();
    app.get('/me', requireSession({ manager: sessions, cookie: { env: { AUTH_COOKIE_SECURE: 'false' } } }), (req, res) => {
      res.json({ userId: req.platformSession?.userId });
    });
    app.use(errorHandler({ onServerError: () => {} }));
    drill.freeze();
    const startedAt = performance.now();
    const res = await request(app).get('/me').set('Cookie', `session=${id}`);
    const ms = performance.now() - startedAt;
    assert.equal(res.status, 503);
    assert.equal(res.body.detail, 'Service Unavailable', 'a 5xx detail is generic');
    assert.equal(res.headers['retry-after'], '1', 'clients are told to retry soon');
    assert.ok(ms < BOUND_MS, `answered in ${Math.round(ms)} ms`);
    await drill.lift();
    const ok = await request(app).get('/me').set('Cookie', `session=${id}`);
    assert.deepEqual([ok.status, ok.body], [200, { userId: 'user-http' }]);
  });

  it('a store outage inside onSecurityIssue (destroying the sessions) is a 503 too', async () => {
    const id = await sessions.create('user-hook', { ip: '10.0.0.9' });
    const app = express();
    app.get('/me', requireSession({
      manager: sessions,
      cookie: { env: { AUTH_COOKIE_SECURE: 'false' } },
      onSecurityIssue: async (_req, _issues, session) => {
        drill.freeze(); // Redis stops between validation and the hook's write
        await sessions.destroyAllForUser(session.userId);
        return 'deny' as const;
      },
    }), (_req, res) => {
      res.sendStatus(200);
    });
    app.use(errorHandler({ onServerError: () => {} }));
    const res = await request(app).get('/me').set('Cookie', `session=${id}`);
    assert.equal(res.status, 503);
    assert.equal(res.headers['retry-after'], '1');
  });

  it('rejects a bad storeTimeoutMs at construction', () => {
    assert.throws(() => new SessionManager({ redis: drill.client, storeTimeoutMs: -1 }), { code: 'ERR_CONFIG_INVALID', message: /storeTimeoutMs/ });
  });
});

describe('session options', () => {
  it('reports unknown options (a misspelling) with the bad ones in one ConfigError', () => {
    assert.throws(() => new SessionManager({ redis: false, ttlSecond: 60, ttlSeconds: 0 } as never), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'ERR_CONFIG_INVALID');
      assert.match(error.message, /- ttlSecond: is not a known option/);
      assert.match(error.message, /- ttlSeconds:/);
      return true;
    });
    const manager = new SessionManager({ redis: false });
    assert.throws(() => requireSession({ manager, cookiename: 'sid' } as never), { code: 'ERR_CONFIG_INVALID', message: /cookiename: is not a known option/ });
  });

  it('redis: false means memory, even when REDIS_URL is set', () => {
    assert.equal(new SessionManager({ redis: false, env: { REDIS_URL: 'redis://127.0.0.1:1' } }).backend, 'memory');
  });
});

describe('session cookie options', () => {
  it('reports an unknown cookie option by name', () => {
    const manager = new SessionManager({ redis: false });
    assert.throws(() => requireSession({ manager, cookie: { sameSite: 'strict', httpOnly: false } as never }), { code: 'ERR_CONFIG_INVALID', message: /httpOnly: is not a known option/ });
  });
});
