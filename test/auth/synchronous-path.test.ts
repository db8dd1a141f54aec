/**
 * The synchronous path of the auth middlewares (lib/auth/middleware.ts
 * `withSynchronousPath`): with a static-key verifier and nothing asynchronous configured, a
 * token that verifies is passed on in the same turn; everything else takes the async path and
 * answers exactly as before.
 */
import assert from 'node:assert/strict';
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import request from 'supertest';
import { createJwtVerifier, optionalUser, requireAdminUser, requireUser, type JwtVerifier } from '../../lib/auth/index.js';
import { synchronousVerification } from '../../lib/auth/verifier.js';
import { errorHandler } from '../../lib/errors/index.js';
import { forEachExpress } from '../support/express.js';
import { b64url, signToken, startJwksServer, supabaseClaims, TEST_HS_SECRET, unsignedToken } from '../support/jwt.js';

const verifier = createJwtVerifier({ env: {}, verifyKey: TEST_HS_SECRET });
const cachedVerifier = createJwtVerifier({ env: {}, verifyKey: TEST_HS_SECRET, cache: true });
/** The same verifier seen as an injected one: it has no synchronous verification, so every request takes the async path. */
const asyncOnly: JwtVerifier = { verify: (token) => verifier.verify(token), algorithms: verifier.algorithms };
const token = (overrides = {}) => signToken(supabaseClaims(overrides));
const now = () => Math.floor(Date.now() / 1000);

/** Calls `handler` once and reports whether `next` ran before it returned (same turn, no microtask). */
function callOnce(handler: RequestHandler, headers: Record<string, string>): { req: Request; sync: boolean; done: Promise<unknown> } {
  const req = { headers, method: 'GET', url: '/me', originalUrl: '/me' } as unknown as Request;
  let sync = false;
  let returned = false;
  let settle: (value: unknown) => void = () => {};
  const done = new Promise((resolve) => {
    settle = resolve;
  });
  const next = ((err?: unknown) => {
    if (!returned) sync = true;
    settle(err);
  }) as NextFunction;
  handler(req, {} as Response, next);
  returned = true;
  return { req, sync, done };
}

describe('the synchronous path', () => {
  it('is offered by a static-key verifier only (not by a JWKS verifier nor an injected one)', async () => {
    const jwks = await startJwksServer([]);
    try {
      assert.equal(typeof synchronousVerification(verifier), 'function');
      assert.equal(typeof synchronousVerification(cachedVerifier), 'function');
      assert.equal(synchronousVerification(createJwtVerifier({ env: {}, jwksUrl: jwks.url })), undefined);
      assert.equal(synchronousVerification(createJwtVerifier({ env: {}, jwksUrl: jwks.url, verifyKey: TEST_HS_SECRET })), undefined);
      assert.equal(synchronousVerification(asyncOnly), undefined);
    } finally {
      await jwks.stop();
    }
  });

  it('requireUser() calls next() before it returns, with req.user and req.auth set', async () => {
    const good = await token();
    for (const v of [verifier, cachedVerifier, cachedVerifier]) {
      const { req, sync, done } = callOnce(requireUser({ verifier: v }), { authorization: `Bearer ${good}` });
      assert.equal(sync, true);
      assert.equal(await done, undefined);
      assert.equal(req.user && (req.user as { id: string }).id, 'user-123');
      assert.equal((req as { auth?: { token: string } }).auth?.token, good);
    }
  });

  it('requireAdminUser() and optionalUser() take it too; a token read from a cookie as well', async () => {
    const adminToken = await token({ role: 'admin' });
    assert.equal(callOnce(requireAdminUser({ verifier }), { authorization: `Bearer ${adminToken}` }).sync, true);
    assert.equal(callOnce(optionalUser({ verifier }), { authorization: `Bearer ${adminToken}` }).sync, true);
    const fromCookie = callOnce(requireUser({ verifier, tokenFrom: { cookie: 'access_token' } }), { cookie: `access_token=${adminToken}` });
    assert.equal(fromCookie.sync, true);
    assert.equal(await fromCookie.done, undefined);
  });

  it('falls back to the async path with getToken, isRevoked, a JWKS or an injected verifier, and for a non-admin on requireAdminUser()', async () => {
    const good = await token();
    const jwks = await startJwksServer([]);
    try {
      const cases: Array<[string, RequestHandler, unknown]> = [
        ['getToken', requireUser({ verifier, getToken: () => good }), undefined],
        ['isRevoked', requireUser({ verifier, isRevoked: () => false }), undefined],
        ['JWKS beside the static key', requireUser({ env: {}, jwksUrl: jwks.url, verifyKey: TEST_HS_SECRET }), undefined],
        ['injected verifier', requireUser({ verifier: asyncOnly }), undefined],
        ['non-admin', requireAdminUser({ verifier }), 403],
      ];
      for (const [name, handler, status] of cases) {
        const { sync, done } = callOnce(handler, { authorization: `Bearer ${good}` });
        assert.equal(sync, false, name);
        const err = await done;
        assert.equal((err as { status?: number } | undefined)?.status, status, name);
      }
    } finally {
      await jwks.stop();
    }
  });

  it('leaves every refusal to the async path: next(err) comes later, never in the same turn', async () => {
    const expired = await token({ exp: now() - 60 });
    const cases: Array<Record<string, string>> = [{}, { authorization: `Bearer ${expired}` }, { authorization: 'Bearer not.a.token' }];
    for (const headers of cases) {
      const { sync, done } = callOnce(requireUser({ verifier }), headers);
      assert.equal(sync, false);
      assert.equal((await done as { status?: number }).status, 401);
    }
  });
});

forEachExpress('the synchronous path through the error handler', ({ create }) => {
  let errorsHandled = 0;
  const countErrors: ErrorRequestHandler = (err, _req, _res, next) => {
    errorsHandled += 1;
    next(err);
  };
  function appWith(middleware: RequestHandler) {
    const app = create();
    app.get('/me', middleware, (req, res) => res.json({ user: req.user ?? null }));
    app.get('/boom', middleware, () => {
      throw new Error('handler failed');
    });
    app.use(countErrors, errorHandler());
    return app;
  }

  async function answer(app: ReturnType<typeof appWith>, headers: Record<string, string>, path = '/me') {
    const req = request(app).get(path);
    for (const [name, value] of Object.entries(headers)) req.set(name, value);
    const res = await req;
    return { status: res.status, body: res.body as unknown, challenge: res.headers['www-authenticate'], type: res.headers['content-type'] };
  }

  it('answers every token exactly as the async path does (status, body, WWW-Authenticate)', async () => {
    const bad = await signToken(supabaseClaims(), { key: `${TEST_HS_SECRET}-other` });
    const good = await token();
    const tokens: Record<string, string | undefined> = {
      missing: undefined,
      good,
      admin: await token({ role: 'admin' }),
      expired: await token({ exp: now() - 60 }),
      'wrong signature': bad,
      'wrong audience': await token({ aud: 'someone-else' }),
      'issued in the future': await token({ iat: now() + 3600 }),
      'no sub': await token({ sub: undefined }),
      'email of the wrong type': await token({ email: 5 }),
      'service token': await token({ gty: 'client-credentials' }),
      'alg none': unsignedToken(supabaseClaims()),
      malformed: 'abc.def',
      'too large': `${b64url({ alg: 'HS256' })}.${'a'.repeat(9000)}.x`,
    };
    const expected: Record<string, number> = { missing: 401, good: 200, admin: 200, expired: 401, 'wrong signature': 401, 'service token': 401 };
    const pairs: Array<[string, RequestHandler, RequestHandler]> = [
      ['requireUser', requireUser({ verifier }), requireUser({ verifier: asyncOnly })],
      ['requireUser (cache on)', requireUser({ verifier: cachedVerifier }), requireUser({ verifier: asyncOnly })],
      ['requireAdminUser', requireAdminUser({ verifier }), requireAdminUser({ verifier: asyncOnly })],
      ['optionalUser', optionalUser({ verifier }), optionalUser({ verifier: asyncOnly })],
    ];
    for (const [name, withSync, asyncPath] of pairs) {
      const [a, b] = [appWith(withSync), appWith(asyncPath)];
      for (const [label, value] of Object.entries(tokens)) {
        const headers: Record<string, string> = value === undefined ? {} : { Authorization: `Bearer ${value}` };
        const [got, want] = [await answer(a, headers), await answer(b, headers)];
        assert.deepEqual(got, want, `${name}: ${label}`);
        if (name === 'requireUser' && expected[label] !== undefined) assert.equal(got.status, expected[label], label);
      }
    }
    // two tokens (header and cookie): the 400 of RFC 6750 §2, on both paths
    const fromBoth = { Authorization: `Bearer ${good}`, Cookie: `access_token=${good}` };
    const tokenFrom = { cookie: 'access_token' };
    const [got, want] = [
      await answer(appWith(requireUser({ verifier, tokenFrom })), fromBoth),
      await answer(appWith(requireUser({ verifier: asyncOnly, tokenFrom })), fromBoth),
    ];
    assert.equal(got.status, 400);
    assert.deepEqual(got, want);
  });

  it('a handler throwing after the synchronous next() reaches the error handler once, as a 500', async () => {
    const good = await token();
    errorsHandled = 0;
    const res = await answer(appWith(requireUser({ verifier })), { Authorization: `Bearer ${good}` }, '/boom');
    assert.equal(res.status, 500);
    assert.equal(errorsHandled, 1);
  });
});
