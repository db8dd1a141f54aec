import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import type { RequestHandler } from 'express';
import request from 'supertest';
import winston from 'winston';
import {
  authOf,
  userOf,
  type AuthenticatedRequest,
  createJwtVerifier,
  optionalUser,
  requireAdminUser,
  requireUser,
  requireUserId,
  type JwtVerifier,
} from '../../lib/auth/index.js';
import { ConfigError } from '../../lib/config/index.js';
import { errorHandler } from '../../lib/errors/index.js';
import { getRootLogger } from '../../lib/logging/logger.js';
import { getOpenApiMetadata } from '../../lib/openapi/metadata.js';
import { forEachExpress } from '../support/express.js';
import { generateTestKeyPair, signToken, signWith, startJwksServer, supabaseClaims, TEST_HS_SECRET } from '../support/jwt.js';

const verifier: JwtVerifier = createJwtVerifier({ env: {}, verifyKey: TEST_HS_SECRET });
const token = (overrides = {}) => signToken(supabaseClaims(overrides));
const now = () => Math.floor(Date.now() / 1000);

/** Captures the log lines written while `fn` runs. */
async function captureLogs(fn: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const transport = new winston.transports.Stream({
    stream: new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    }),
    format: winston.format.json(),
  });
  getRootLogger().add(transport);
  try {
    await fn();
  } finally {
    getRootLogger().remove(transport);
  }
  return lines;
}

forEachExpress('auth middlewares', ({ create }) => {
  function appWith(middleware: RequestHandler) {
    const app = create();
    app.get('/me', middleware, (req: AuthenticatedRequest, res) => {
      // the typed request and the accessors see the same authentication
      assert.equal(authOf(req), req.auth);
      assert.equal(userOf(req), req.user);
      res.json({ user: req.user ?? null, userId: req.userId ?? null, auth: req.auth ?? null, sub: req.auth?.payload.sub ?? null, tokenLength: req.auth?.token.length ?? null });
    });
    app.use(errorHandler());
    return app;
  }
  const user = appWith(requireUser({ verifier }));
  const admin = appWith(requireAdminUser({ verifier }));
  const userId = appWith(requireUserId({ verifier }));
  const optional = appWith(optionalUser({ verifier }));

  async function expect401(app: ReturnType<typeof appWith>, authorization: string | undefined, detail: string, challenge = 'Bearer error="invalid_token"') {
    const req = request(app).get('/me');
    if (authorization !== undefined) req.set('Authorization', authorization);
    const res = await req;
    assert.equal(res.status, 401, `${authorization?.slice(0, 40)} -> ${res.status} ${res.text}`);
    assert.deepEqual(res.body, { detail });
    assert.ok(String(res.headers['www-authenticate']).startsWith(challenge), res.headers['www-authenticate']);
    const bearer = authorization?.split(/\s+/)[1];
    if (bearer && bearer.length > 20) {
      assert.ok(!res.text.includes(bearer), 'the body must not contain the token');
      assert.ok(!String(res.headers['www-authenticate']).includes(bearer));
    }
    return res;
  }

  describe('requireUser', () => {
    it('sets req.user and req.auth for a valid token', async () => {
      const jwt = await token({ phone: '+15550100', created_at: '2024-01-01T00:00:00Z', last_sign_in_at: '2024-06-01T00:00:00Z' });
      const res = await request(user).get('/me').set('Authorization', `Bearer ${jwt}`);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.user, {
        id: 'user-123',
        email: 'user@example.com',
        phoneNumber: '+15550100',
        role: 'user',
        name: 'Test User',
        createdAt: '2024-01-01T00:00:00Z',
        lastSignIn: '2024-06-01T00:00:00Z',
      });
      assert.equal(res.body.sub, 'user-123');
      assert.equal(res.body.auth.payload.sub, 'user-123');
      assert.equal(res.body.tokenLength, jwt.length, 'req.auth.token is readable');
      assert.ok(!res.text.includes(jwt), 'req.auth serialises without the token');
    });

    it('accepts the scheme in any case (bearer, BEARER) and surrounding spaces', async () => {
      for (const scheme of ['bearer', 'BEARER', 'BeArEr']) {
        const res = await request(user).get('/me').set('Authorization', `  ${scheme}   ${await token()}  `);
        assert.equal(res.status, 200, scheme);
      }
    });

    it('answers 401 "Authorization header is missing" with a bare Bearer challenge (RFC 6750 §3.1)', async () => {
      for (const header of [undefined, '', 'Bearer', 'Bearer    ', 'Basic dXNlcjpwYXNz', 'Token abc.def.ghi', 'Bearerabc.def.ghi']) {
        const res = await expect401(user, header, 'Authorization header is missing', 'Bearer');
        assert.equal(res.headers['www-authenticate'], 'Bearer');
      }
    });

    it('answers 401 "Token has expired" with error="invalid_token"', async () => {
      await expect401(user, `Bearer ${await token({ iat: now() - 100, exp: now() - 10 })}`, 'Token has expired');
    });

    it('answers 401 "Invalid token: <reason>" for bad tokens', async () => {
      await expect401(user, `Bearer ${await token({ aud: 'elsewhere' })}`, 'Invalid token: Invalid audience');
      await expect401(user, `Bearer ${await signToken(supabaseClaims(), { key: 'x'.repeat(40) })}`, 'Invalid token: Signature verification failed');
      await expect401(user, 'Bearer not-a-jwt', 'Invalid token: Invalid Compact JWS');
      await expect401(user, `Bearer ${'e'.repeat(9000)}`, 'Invalid token: Token is larger than 8192 bytes');
    });

    it('answers 401 "User ID not found in token" without a usable sub', async () => {
      const { sub: _sub, ...withoutSub } = supabaseClaims();
      await expect401(user, `Bearer ${await signToken(withoutSub)}`, 'User ID not found in token');
      await expect401(user, `Bearer ${await token({ sub: '' })}`, 'User ID not found in token');
      await expect401(user, `Bearer ${await token({ sub: null })}`, 'User ID not found in token');
    });

    it('answers 401 "Invalid user data in token" for sub, email or role of the wrong type, never a 5xx', async () => {
      for (const [claim, value] of [
        ['sub', 42], ['sub', { id: 'x' }], ['sub', ['a']], ['sub', '   '],
        ['email', 42], ['email', { a: 1 }],
        ['role', 1], ['role', null], ['role', { admin: true }],
        ['phone', 5551234],
      ] as const) {
        await expect401(user, `Bearer ${await token({ [claim]: value })}`, 'Invalid user data in token');
      }
    });

    it('treats a token without email (phone or anonymous user) or without role as a valid user', async () => {
      const { email: _email, role: _role, phone: _phone, user_metadata: _meta, ...bare } = supabaseClaims({ sub: 'anon-1', is_anonymous: true });
      const res = await request(user).get('/me').set('Authorization', `Bearer ${await signToken(bare)}`);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.user, { id: 'anon-1', email: '', phoneNumber: '', role: 'user' });
      const phone = await request(user).get('/me').set('Authorization', `Bearer ${await token({ email: '', phone: '+15550199' })}`);
      assert.equal(phone.status, 200);
      assert.equal(phone.body.user.phoneNumber, '+15550199');
      // Supabase sends null for the contact a user does not have
      const nulls = await request(user).get('/me').set('Authorization', `Bearer ${await token({ email: null, phone: null })}`);
      assert.equal(nulls.status, 200);
      assert.equal(nulls.body.user.email, '');
      assert.equal(nulls.body.user.phoneNumber, '');
    });
  });

  describe('requireAdminUser', () => {
    it('lets an admin through (role case-insensitive)', async () => {
      for (const role of ['admin', 'Admin', 'ADMIN']) {
        const res = await request(admin).get('/me').set('Authorization', `Bearer ${await token({ role })}`);
        assert.equal(res.status, 200, role);
        assert.equal(res.body.user.role, role);
      }
    });

    it('answers 403 "Admin access required" with error="insufficient_scope" for other users, including role-less ones', async () => {
      const { role: _role, ...noRole } = supabaseClaims();
      for (const jwt of [await token({ role: 'user' }), await token({ role: 'authenticated' }), await signToken(noRole)]) {
        const res = await request(admin).get('/me').set('Authorization', `Bearer ${jwt}`);
        assert.equal(res.status, 403);
        assert.deepEqual(res.body, { detail: 'Admin access required' });
        assert.match(String(res.headers['www-authenticate']), /^Bearer error="insufficient_scope"/);
      }
    });

    it('still answers 401 before 403 when the token is missing or bad', async () => {
      await expect401(admin, undefined, 'Authorization header is missing', 'Bearer');
      await expect401(admin, `Bearer ${await token({ role: 'admin', exp: now() - 5, iat: now() - 50 })}`, 'Token has expired');
    });
  });

  describe('requireUserId', () => {
    it('sets req.userId to the caller without impersonation (empty header ignored)', async () => {
      const res = await request(userId).get('/me').set('Authorization', `Bearer ${await token()}`).set('X-Act-As-User-Id', '   ');
      assert.equal(res.status, 200);
      assert.equal(res.body.userId, 'user-123');
      assert.equal(res.body.auth.actAsUserId, undefined);
    });

    it('lets an admin act as another user, keeps req.user the admin, and audits it without the token', async () => {
      const jwt = await token({ sub: 'admin-1', role: 'admin', email: 'admin@example.com' });
      let res: request.Response | undefined;
      const lines = await captureLogs(async () => {
        res = await request(userId).get('/me?secret=query').set('Authorization', `Bearer ${jwt}`).set('X-Act-As-User-Id', '  target-9 ');
      });
      assert.equal(res!.status, 200);
      assert.equal(res!.body.userId, 'target-9');
      assert.equal(res!.body.user.id, 'admin-1');
      assert.equal(res!.body.auth.actAsUserId, 'target-9');
      const audit = lines.map((line) => JSON.parse(line)).find((entry) => entry.event === 'auth.impersonation');
      assert.ok(audit, lines.join('\n'));
      assert.equal(audit.logger, 'auth');
      assert.equal(audit.adminId, 'admin-1');
      assert.equal(audit.actAsUserId, 'target-9');
      assert.equal(audit.path, '/me');
      assert.ok(!lines.join('\n').includes(jwt));
      assert.ok(!lines.join('\n').includes('secret=query'));
    });

    it('answers 403 "Only admin users can impersonate other users" for a non-admin', async () => {
      const res = await request(userId).get('/me').set('Authorization', `Bearer ${await token()}`).set('X-Act-As-User-Id', 'victim');
      assert.equal(res.status, 403);
      assert.deepEqual(res.body, { detail: 'Only admin users can impersonate other users' });
      assert.match(String(res.headers['www-authenticate']), /insufficient_scope/);
    });

    it('answers 401 "User ID not found in token" without sub', async () => {
      await expect401(userId, `Bearer ${await token({ sub: '' })}`, 'User ID not found in token');
    });
  });

  describe('optionalUser', () => {
    it('passes anonymous requests through without req.user', async () => {
      for (const header of [undefined, 'Basic abc', 'Bearer ']) {
        const req = request(optional).get('/me');
        if (header !== undefined) req.set('Authorization', header);
        const res = await req;
        assert.equal(res.status, 200);
        assert.equal(res.body.user, null);
      }
    });

    it('sets req.user for a valid token and ignores invalid or expired ones', async () => {
      const ok = await request(optional).get('/me').set('Authorization', `Bearer ${await token({ sub: 'opt' })}`);
      assert.equal(ok.body.user.id, 'opt');
      for (const bad of ['garbage', await token({ exp: now() - 10, iat: now() - 60 }), await token({ sub: 7 })]) {
        const res = await request(optional).get('/me').set('Authorization', `Bearer ${bad}`);
        assert.equal(res.status, 200);
        assert.equal(res.body.user, null);
      }
    });
  });
});

describe('auth middlewares: factories', () => {
  it('fail at factory time with a ConfigError when no key is configured (not per request)', () => {
    for (const factory of [requireUser, requireAdminUser, requireUserId, optionalUser]) {
      assert.throws(() => factory({ env: {} }), (err: unknown) => err instanceof ConfigError && /JWT_VERIFY_KEY must be set/.test(err.message));
    }
  });

  it('refuse an injected verifier combined with settings, or a verifier without verify()', () => {
    assert.throws(() => requireUser({ verifier, verifyKey: TEST_HS_SECRET }), /cannot be combined/);
    assert.throws(() => requireUser({ verifier: {} as JwtVerifier }), /verify\(token\) method/);
  });

  it('accept an injected verifier (any object with verify), e.g. a fake in tests', async () => {
    const fake: JwtVerifier = { algorithms: ['HS256'], verify: async (t) => ({ sub: `fake:${t.length}` }) };
    const app = (await import('express')).default();
    app.get('/me', requireUser({ verifier: fake }), (req, res) => res.json(req.user));
    const res = await request(app).get('/me').set('Authorization', 'Bearer abc');
    assert.equal(res.body.id, 'fake:3');
  });

  it('return named functions carrying the OpenAPI metadata', () => {
    const bearer = [{ HTTPBearerJWT: [] }];
    const cases: [RequestHandler, string, object][] = [
      [requireUser({ verifier }), 'requireUserMiddleware', { security: bearer, unauthorized: true }],
      [requireAdminUser({ verifier }), 'requireAdminUserMiddleware', { security: bearer, unauthorized: true, forbidden: 'Admin access required' }],
      [requireUserId({ verifier }), 'requireUserIdMiddleware', { security: bearer, unauthorized: true, forbidden: 'Only admin users can impersonate other users' }],
      [optionalUser({ verifier }), 'optionalUserMiddleware', { security: [{ HTTPBearerJWT: [] }, {}] }],
    ];
    for (const [middleware, name, metadata] of cases) {
      assert.equal(middleware.name, name);
      assert.deepEqual(getOpenApiMetadata(middleware), metadata);
    }
  });

  it('share one verifier (one key set cache) between middlewares built from the same settings', async () => {
    const pair = await generateTestKeyPair('ES256');
    const server = await startJwksServer([pair.publicJwk]);
    try {
      const settings = { env: {}, jwksUrl: server.url };
      const app = (await import('express')).default();
      app.get('/a', requireUser(settings), (_req, res) => res.send('a'));
      app.get('/b', requireAdminUser(settings), (_req, res) => res.send('b'));
      const jwt = await signWith(pair, { role: 'admin' });
      assert.equal((await request(app).get('/a').set('Authorization', `Bearer ${jwt}`)).text, 'a');
      assert.equal((await request(app).get('/b').set('Authorization', `Bearer ${jwt}`)).text, 'b');
      assert.equal(server.requests(), 1);
    } finally {
      await server.stop();
    }
  });
});
