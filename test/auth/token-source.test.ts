import assert from 'node:assert/strict';
import express5, { type RequestHandler } from 'express';
import request from 'supertest';
import { createJwtVerifier, optionalUser, requireAdminUser, requireUser, requireUserId, userOf } from '../../lib/auth/index.js';
import { ConfigError } from '../../lib/config/index.js';
import { errorHandler, HttpError } from '../../lib/errors/index.js';
import { forEachExpress } from '../support/express.js';
import { signToken, supabaseClaims, TEST_HS_SECRET } from '../support/jwt.js';

const verifier = createJwtVerifier({ env: {}, verifyKey: TEST_HS_SECRET });

forEachExpress('token sources (tokenFrom, getToken)', ({ create }) => {
  let good: string;
  let other: string;
  before(async () => {
    good = await signToken(supabaseClaims());
    other = await signToken(supabaseClaims({ sub: 'user-456' }));
  });
  function appWith(middleware: RequestHandler) {
    const app = create();
    app.get('/me', middleware, (req, res) => res.json({ id: userOf(req)?.id ?? null }));
    app.use(errorHandler());
    return app;
  }

  it('reads a cookie, the header still works, and nothing else by default', async () => {
    const app = appWith(requireUser({ verifier, tokenFrom: { cookie: 'access_token' } }));
    const viaCookie = await request(app).get('/me').set('Cookie', `theme=dark; access_token=${good}`);
    assert.equal(viaCookie.status, 200);
    assert.equal(viaCookie.body.id, 'user-123');
    assert.equal((await request(app).get('/me').set('Authorization', `Bearer ${good}`)).status, 200);
    const missing = await request(app).get('/me').set('Cookie', 'access_token=');
    assert.equal(missing.status, 401);
    assert.equal(missing.headers['www-authenticate'], 'Bearer');
    // the default middleware ignores cookies
    assert.equal((await request(appWith(requireUser({ verifier }))).get('/me').set('Cookie', `access_token=${good}`)).status, 401);
  });

  it('a token in two places is a 400 invalid_request (RFC 6750 §2), even when both are the same', async () => {
    for (const middleware of [requireUser, requireAdminUser, requireUserId]) {
      const app = appWith(middleware({ verifier, tokenFrom: { cookie: 'access_token' } }));
      for (const cookieToken of [good, other]) {
        const res = await request(app).get('/me').set('Authorization', `Bearer ${good}`).set('Cookie', `access_token=${cookieToken}`);
        assert.equal(res.status, 400, middleware.name);
        assert.deepEqual(res.body, { detail: 'Token sent in more than one place' });
        assert.match(String(res.headers['www-authenticate']), /^Bearer error="invalid_request"/);
      }
    }
  });

  it('cookie only: tokenFrom { header: false } ignores the Authorization header', async () => {
    const app = appWith(requireUser({ verifier, tokenFrom: { header: false, cookie: 'at' } }));
    assert.equal((await request(app).get('/me').set('Authorization', `Bearer ${good}`)).status, 401);
    assert.equal((await request(app).get('/me').set('Authorization', `Bearer ${good}`).set('Cookie', `at=${other}`)).body.id, 'user-456');
  });

  it('getToken(req): the app reads the token (sync or async); its failures are 401s, not 500s', async () => {
    const fromHeader = appWith(requireUser({ verifier, getToken: (req) => req.headers['x-token'] as string | undefined }));
    assert.equal((await request(fromHeader).get('/me').set('X-Token', good)).status, 200);
    assert.equal((await request(fromHeader).get('/me').set('Authorization', `Bearer ${good}`)).status, 401, 'getToken is the only source');
    const asyncReader = appWith(requireUser({ verifier, getToken: async () => good }));
    assert.equal((await request(asyncReader).get('/me')).status, 200);
    const throwing = appWith(requireUser({ verifier, getToken: () => { throw new Error('bad'); } }));
    const res = await request(throwing).get('/me');
    assert.equal(res.status, 401);
    assert.deepEqual(res.body, { detail: 'Invalid token: Token could not be read' });
    const own = appWith(requireUser({ verifier, getToken: () => { throw new HttpError(400, 'Bad token parameter'); } }));
    assert.equal((await request(own).get('/me')).status, 400);
  });

  it('optionalUser reads the same sources and stays anonymous on two tokens', async () => {
    const app = appWith(optionalUser({ verifier, tokenFrom: { cookie: 'access_token' } }));
    assert.equal((await request(app).get('/me').set('Cookie', `access_token=${good}`)).body.id, 'user-123');
    const both = await request(app).get('/me').set('Authorization', `Bearer ${good}`).set('Cookie', `access_token=${good}`);
    assert.equal(both.status, 200);
    assert.equal(both.body.id, null);
  });
});

describe('token source options', () => {
  it('refuses bad options at startup, naming every field', () => {
    const err = (() => {
      try {
        requireUser({ verifier, tokenFrom: { cookie: 'a b', header: 'yes', query: 'x' } as never });
      } catch (e) {
        return e as ConfigError;
      }
      return undefined;
    })();
    assert.ok(err instanceof ConfigError);
    assert.deepEqual(err.issues.map((i) => i.variable).sort(), ['tokenFrom.cookie', 'tokenFrom.header', 'tokenFrom.query']);
    assert.throws(() => requireUser({ verifier, tokenFrom: { header: false } }), /every source/);
    assert.throws(() => requireUser({ verifier, tokenFrom: { cookie: 'a' }, getToken: () => undefined }), /getToken/);
    assert.throws(() => optionalUser({ verifier, getToken: 'x' as never }), ConfigError);
  });

  it('combines with settings instead of an injected verifier', async () => {
    const app = express5();
    app.get('/me', requireUser({ env: {}, verifyKey: TEST_HS_SECRET, tokenFrom: { cookie: 'at' } }), (req, res) => res.json({ id: userOf(req)?.id }));
    const res = await request(app).get('/me').set('Cookie', `at=${await signToken(supabaseClaims())}`);
    assert.equal(res.status, 200);
  });
});
