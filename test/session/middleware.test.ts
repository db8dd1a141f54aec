import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { Express } from 'express';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import request from 'supertest';
import { errorHandler } from '../../lib/errors/index.js';
import { getOpenApiMetadata, SESSION_COOKIE_SCHEME } from '../../lib/openapi/metadata.js';
import {
  clearSessionCookie,
  readSessionId,
  requireSession,
  SessionManager,
  setSessionCookie,
  type RequireSessionOptions,
} from '../../lib/session/index.js';
import { forEachExpress } from '../support/express.js';
import { startRedis } from '../support/redis-server.js';

const cookieEnv = { AUTH_COOKIE_DOMAIN: 'app.example.test', AUTH_COOKIE_SECURE: 'true' };

function buildApp(create: () => Express, manager: SessionManager, options: Partial<RequireSessionOptions> = {}): Express {
  const app = create();
  app.post('/login/:user', async (req, res, next) => {
    try {
      const id = await manager.create(req.params.user!, { ip: req.ip, userAgent: req.get('user-agent') });
      setSessionCookie(res, id, { env: cookieEnv });
      res.json({ ok: true });
    } catch (error) {
      next(error);
    }
  });
  app.get('/me', requireSession({ manager, cookie: { env: cookieEnv }, ...options }), (req, res) => {
    res.json({ userId: req.platformSession?.userId, issues: req.platformSession?.securityIssues });
  });
  app.post('/logout', async (req, res) => {
    await manager.destroy(readSessionId(req));
    clearSessionCookie(res, { env: cookieEnv });
    res.sendStatus(204);
  });
  app.use(errorHandler({ onServerError: () => {} }));
  return app;
}

function sessionCookieOf(res: request.Response): string {
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const cookie = cookies.find((c) => c.startsWith('session='));
  assert.ok(cookie, 'Set-Cookie session present');
  return cookie;
}

forEachExpress('requireSession', ({ create }) => {
  const manager = new SessionManager({ redis: false });

  it('sets an HttpOnly, Secure, SameSite=Lax cookie with the configured Domain, then accepts it', async () => {
    const app = buildApp(create, manager);
    const login = await request(app).post('/login/alice').set('user-agent', 'UA/1');
    const cookie = sessionCookieOf(login);
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; Secure/);
    assert.match(cookie, /; SameSite=Lax/);
    assert.match(cookie, /; Domain=app\.example\.test/);
    assert.match(cookie, /; Path=\//);
    const pair = cookie.split(';')[0]!;
    const me = await request(app).get('/me').set('cookie', `theme=dark; ${pair}`).set('user-agent', 'UA/1');
    assert.equal(me.status, 200);
    assert.deepEqual(me.body, { userId: 'alice', issues: [] });
  });

  it('answers 401 ERR_SESSION_INVALID without a cookie, with a clear detail and no WWW-Authenticate', async () => {
    const res = await request(buildApp(create, manager)).get('/me');
    assert.equal(res.status, 401);
    assert.deepEqual(res.body, { detail: 'Not authenticated: no session' });
    assert.equal(res.headers['www-authenticate'], undefined);
  });

  it('answers 401 for an unknown session and clears the dead cookie', async () => {
    const app = buildApp(create, manager);
    const id = await manager.create('bob');
    await manager.destroy(id);
    const res = await request(app).get('/me').set('cookie', `session=${id}`);
    assert.equal(res.status, 401);
    assert.deepEqual(res.body, { detail: 'Session not found' });
    assert.match(sessionCookieOf(res), /Expires=Thu, 01 Jan 1970/);
  });

  it('answers 401 "Session expired" after the idle timeout', async function () {
    this.timeout(5000);
    const shortLived = new SessionManager({ redis: false, ttlSeconds: 1 });
    const id = await shortLived.create('carol');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const res = await request(buildApp(create, shortLived)).get('/me').set('cookie', `session=${id}`);
    assert.equal(res.status, 401);
    assert.deepEqual(res.body, { detail: 'Session expired' });
  });

  it('logs out: destroy + clear cookie, then the old cookie is refused', async () => {
    const app = buildApp(create, manager);
    const pair = sessionCookieOf(await request(app).post('/login/dave')).split(';')[0]!;
    const out = await request(app).post('/logout').set('cookie', pair);
    assert.equal(out.status, 204);
    assert.match(sessionCookieOf(out), /Expires=Thu, 01 Jan 1970.*Domain=app\.example\.test|Domain=app\.example\.test.*Expires=Thu, 01 Jan 1970/);
    assert.equal((await request(app).get('/me').set('cookie', pair)).status, 401);
  });

  it('re-sends a cookie with Max-Age on each valid request (rolling), and none without it', async () => {
    const id = await manager.create('judy');
    const rolling = buildApp(create, manager, { cookie: { env: cookieEnv, maxAgeSeconds: 600 } });
    const res = await request(rolling).get('/me').set('cookie', `session=${id}`);
    assert.equal(res.status, 200);
    assert.match(sessionCookieOf(res), new RegExp(`^session=${id}; Max-Age=600;.*HttpOnly`));
    const plain = await request(buildApp(create, manager)).get('/me').set('cookie', `session=${id}`);
    assert.equal(plain.headers['set-cookie'], undefined);
  });

  it('reads the id from a header when configured', async () => {
    const app = buildApp(create, manager, { header: 'X-Session-Id' });
    const id = await manager.create('erin');
    const res = await request(app).get('/me').set('x-session-id', id);
    assert.equal(res.status, 200);
    assert.equal(res.body.userId, 'erin');
  });

  it('allows a changed user agent by default and reports it', async () => {
    const app = buildApp(create, manager);
    const pair = sessionCookieOf(await request(app).post('/login/frank').set('user-agent', 'Firefox')).split(';')[0]!;
    const res = await request(app).get('/me').set('cookie', pair).set('user-agent', 'curl/8');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.issues, ['user_agent_change']);
  });

  it('denies when onSecurityIssue says deny, and passes it the issues and session', async () => {
    const seen: unknown[] = [];
    const app = buildApp(create, manager, {
      onSecurityIssue: async (_req, issues, session) => {
        seen.push([issues, session.userId]);
        return 'deny' as const;
      },
    });
    const pair = sessionCookieOf(await request(app).post('/login/grace').set('user-agent', 'Firefox')).split(';')[0]!;
    assert.equal((await request(app).get('/me').set('cookie', pair).set('user-agent', 'Firefox')).status, 200);
    const res = await request(app).get('/me').set('cookie', pair).set('user-agent', 'Evil/1');
    assert.equal(res.status, 401);
    assert.deepEqual(res.body, { detail: 'Session rejected by security policy' });
    assert.deepEqual(seen, [[['user_agent_change'], 'grace']]);
  });

  it('uses req.ip under trust proxy for the IP check', async () => {
    const app = buildApp(create, manager);
    app.set('trust proxy', true);
    const pair = sessionCookieOf(await request(app).post('/login/heidi').set('x-forwarded-for', '203.0.113.7')).split(';')[0]!;
    const same = await request(app).get('/me').set('cookie', pair).set('x-forwarded-for', '203.0.113.7');
    assert.deepEqual(same.body.issues, []);
    const moved = await request(app).get('/me').set('cookie', pair).set('x-forwarded-for', '198.51.100.1');
    assert.deepEqual(moved.body.issues, ['ip_change']);
  });

  it('answers 401, never 5xx, for hostile cookies and headers (fast-check)', async function () {
    this.timeout(30_000);
    const app = buildApp(create, manager, { header: 'X-Session-Id' });
    const server: Server = app.listen(0, '127.0.0.1');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: HTTP header values cannot carry control characters, so the generator drops them
    const headerText = fc.string({ unit: 'binary-ascii', maxLength: 200 }).map((s) => s.replace(/[\x00-\x1f\x7f]/g, ''));
    try {
      await fc.assert(
        fc.asyncProperty(headerText, fc.string({ maxLength: 60 }), headerText, async (cookieTail, unicode, header) => {
          const req = request(server).get('/me').set('cookie', `a=1; session=${cookieTail}; session=${encodeURIComponent(unicode)}`);
          if (header.trim() !== '') req.set('x-session-id', header);
          const res = await req;
          assert.equal(res.status, 401, `got ${res.status}`);
          assert.equal(res.body.detail === undefined, false);
        }),
        { numRuns: 120 },
      );
      for (const cookie of ['session=%', 'session="', 'session=%E0%A4%A', `session=${'A'.repeat(46)}`, `session=${'_'.repeat(46)}`, 'session', '=;;;', `session=${'x'.repeat(8000)}`]) {
        assert.equal((await request(server).get('/me').set('cookie', cookie)).status, 401, cookie);
      }
    } finally {
      server.close();
    }
  });

  it('carries OpenAPI metadata: SessionCookie security and 401', () => {
    const metadata = getOpenApiMetadata(requireSession({ manager }));
    assert.deepEqual(metadata, { security: [{ [SESSION_COOKIE_SCHEME]: [] }], unauthorized: true });
    assert.equal(requireSession({ manager }).name, 'requireSession');
  });
});

describe('requireSession options and settings', () => {
  const manager = new SessionManager({ redis: false });

  it('fails at call time with one ConfigError for bad options', () => {
    assert.throws(() => requireSession({} as RequireSessionOptions), { code: 'ERR_CONFIG_INVALID', message: /manager/ });
    assert.throws(() => requireSession({ manager, cookieName: 'bad name;' }), { code: 'ERR_CONFIG_INVALID', message: /cookieName/ });
    assert.throws(() => requireSession({ manager, header: 'bad header' }), { code: 'ERR_CONFIG_INVALID', message: /header/ });
    assert.throws(() => requireSession({ manager, cookie: { sameSite: 'none', secure: false } }), { code: 'ERR_CONFIG_INVALID', message: /SameSite=None/ });
  });

  it('reads AUTH_COOKIE_SECURE and rejects a bad value', () => {
    assert.throws(() => requireSession({ manager, cookie: { env: { AUTH_COOKIE_SECURE: 'maybe' } } }), { code: 'ERR_CONFIG_INVALID', message: /AUTH_COOKIE_SECURE/ });
  });
});

forEachExpress('requireSession with Redis down', ({ create }) => {
  it('answers 503 ERR_STORE_UNAVAILABLE, not 401', async function () {
    this.timeout(15_000);
    const server = await startRedis();
    const client = new Redis(server.url, { maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false, lazyConnect: true });
    client.on('error', () => {});
    await client.connect();
    try {
      const manager = new SessionManager({ redis: client, keyPrefix: `test:mw:${process.pid}:` });
      const id = await manager.create('ivan');
      const app = buildApp(create, manager);
      assert.equal((await request(app).get('/me').set('cookie', `session=${id}`)).status, 200);
      await server.stop();
      const res = await request(app).get('/me').set('cookie', `session=${id}`);
      assert.equal(res.status, 503);
      assert.deepEqual(res.body, { detail: 'Service Unavailable' });
      assert.equal(getOpenApiMetadata(requireSession({ manager }))?.serviceUnavailable, 'Session store unavailable');
    } finally {
      client.disconnect();
      await server.stop();
    }
  });
});
