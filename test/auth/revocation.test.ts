import assert from 'node:assert/strict';
import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { createJwtVerifier, createRedisRevocationList, optionalUser, requireUser, userOf } from '../../lib/auth/index.js';
import { ConfigError } from '../../lib/config/index.js';
import { errorHandler } from '../../lib/errors/index.js';
import { forEachExpress } from '../support/express.js';
import { signToken, supabaseClaims, TEST_HS_SECRET } from '../support/jwt.js';
import { startRedis, type RedisServerHandle } from '../support/redis-server.js';

const STALENESS_MS = 300;
const now = () => Math.floor(Date.now() / 1000);
const quiet = () => errorHandler({ onServerError: () => {} });

forEachExpress('revocation (isRevoked, Redis revocation list)', ({ create }) => {
  let server: RedisServerHandle;
  const clients: Redis[] = [];
  let prefix: string;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    for (const client of clients) client.disconnect();
    await server.stop();
  });
  let n = 0;
  beforeEach(() => {
    prefix = `t${++n}:`;
  });

  /** One "process": its own Redis connection, revocation list, verifier (with cache) and app. */
  function processWith(extra: Record<string, unknown> = {}) {
    const client = server.client();
    clients.push(client);
    const list = createRedisRevocationList({ redis: client, prefix, maxStalenessMs: STALENESS_MS, ...extra });
    const verifier = createJwtVerifier({ env: {}, verifyKey: TEST_HS_SECRET, cache: true });
    return { list, client, app: appWith(requireUser({ verifier, isRevoked: list.isRevoked })) };
  }
  function appWith(middleware: RequestHandler) {
    const app = create();
    app.get('/me', middleware, (req, res) => res.json({ id: userOf(req)?.id ?? null }));
    app.use(quiet());
    return app;
  }
  const call = (app: ReturnType<typeof appWith>, token: string) => request(app).get('/me').set('Authorization', `Bearer ${token}`);

  /** Bounded polling: ms until `app` refuses `token`, failing past `limitMs`. */
  async function msUntilRefused(app: ReturnType<typeof appWith>, token: string, limitMs: number): Promise<number> {
    const start = Date.now();
    for (;;) {
      const res = await call(app, token);
      if (res.status === 401) {
        assert.deepEqual(res.body, { detail: 'Token has been revoked' });
        return Date.now() - start;
      }
      assert.equal(res.status, 200);
      assert.ok(Date.now() - start < limitMs, `still accepted after ${limitMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('revokeUser: refused at once where revoked, on every other process within maxStalenessMs; later tokens pass', async () => {
    const a = processWith();
    const b = processWith();
    const token = await signToken(supabaseClaims({ sub: 'u-1', iat: now() - 20 }));
    assert.equal((await call(a.app, token)).status, 200);
    assert.equal((await call(b.app, token)).status, 200, 'B has the token verified and cached');
    await a.list.revokeUser('u-1', new Date(Date.now() - 10_000));
    assert.equal((await call(a.app, token)).status, 401);
    const elapsed = await msUntilRefused(b.app, token, STALENESS_MS + 1_000);
    assert.ok(elapsed <= STALENESS_MS + 1_000);
    const fresh = await signToken(supabaseClaims({ sub: 'u-1', iat: now() - 5 }));
    assert.equal((await call(b.app, fresh)).status, 200, 'a token issued after the instant is accepted');
    const other = await signToken(supabaseClaims({ sub: 'u-2' }));
    assert.equal((await call(b.app, other)).status, 200, 'other users are untouched');
  });

  it('revokeToken by jti, kept until exp; other tokens of the user pass', async () => {
    const a = processWith();
    const b = processWith();
    const exp = now() + 120;
    const payload = supabaseClaims({ sub: 'u-3', jti: 'jti-1', exp });
    const token = await signToken(payload);
    const sibling = await signToken(supabaseClaims({ sub: 'u-3', jti: 'jti-2', exp }));
    assert.equal((await call(b.app, token)).status, 200);
    await a.list.revokeToken(payload);
    assert.equal((await call(a.app, token)).status, 401);
    await msUntilRefused(b.app, token, STALENESS_MS + 1_000);
    assert.equal((await call(b.app, sibling)).status, 200);
    const ttl = await a.client.ttl(`${prefix}{u-3}:jti:jti-1`);
    assert.ok(ttl > 100 && ttl <= 122, `kept until exp (ttl ${ttl})`);
    await assert.rejects(a.list.revokeToken({ sub: 'u-3' }), /jti/);
  });

  it('costs no Redis round trip per request within maxStalenessMs (one MGET per user and token)', async () => {
    const a = processWith({ maxStalenessMs: 60_000 });
    const token = await signToken(supabaseClaims({ sub: 'u-4', jti: 'j-4' }));
    const mgets = async () => Number(/cmdstat_mget:calls=(\d+)/.exec(await a.client.info('commandstats'))?.[1] ?? 0);
    const before = await mgets();
    for (let i = 0; i < 10; i++) assert.equal((await call(a.app, token)).status, 200);
    assert.equal((await mgets()) - before, 1);
  });

  it('the hook gets the verified payload and the request; a throwing hook fails closed (503)', async () => {
    const verifier = createJwtVerifier({ env: {}, verifyKey: TEST_HS_SECRET });
    const seen: string[] = [];
    const app = appWith(requireUser({ verifier, isRevoked: (payload, req) => { seen.push(`${payload.sub} ${req.path}`); return payload.sub === 'bad'; } }));
    assert.equal((await call(app, await signToken(supabaseClaims()))).status, 200);
    const res = await call(app, await signToken(supabaseClaims({ sub: 'bad' })));
    assert.equal(res.status, 401);
    assert.match(String(res.headers['www-authenticate']), /error="invalid_token"/);
    assert.deepEqual(seen, ['user-123 /me', 'bad /me']);
    const failing = appWith(requireUser({ verifier, isRevoked: async () => { throw new Error('down'); } }));
    assert.equal((await call(failing, await signToken(supabaseClaims()))).status, 503);
    // optionalUser: a revoked token is an anonymous request
    const optional = appWith(optionalUser({ verifier, isRevoked: () => true }));
    const anon = await call(optional, await signToken(supabaseClaims()));
    assert.equal(anon.status, 200);
    assert.equal(anon.body.id, null);
    assert.throws(() => requireUser({ verifier, isRevoked: 'yes' as never }), ConfigError);
  });

  it('Redis down: 503 within the deadline, never a hang or an accepted revoked token', async () => {
    const own = await startRedis();
    const client = own.client();
    client.on('error', () => {});
    try {
      const list = createRedisRevocationList({ redis: client, prefix, maxStalenessMs: 0, timeoutMs: 200 });
      const app = appWith(requireUser({ verifier: createJwtVerifier({ env: {}, verifyKey: TEST_HS_SECRET }), isRevoked: list.isRevoked }));
      const token = await signToken(supabaseClaims());
      assert.equal((await call(app, token)).status, 200);
      await own.stop();
      const start = Date.now();
      const res = await call(app, token);
      assert.equal(res.status, 503);
      assert.ok(Date.now() - start < 3_000);
    } finally {
      client.disconnect();
      await own.stop();
    }
  });
});

describe('revocation list options', () => {
  it('refuses bad options at startup', () => {
    assert.throws(() => createRedisRevocationList({ redis: false as never }), ConfigError);
    assert.throws(() => createRedisRevocationList({ redis: 'redis://127.0.0.1:1', prefix: 'a{b' }), ConfigError);
    assert.throws(() => createRedisRevocationList({ redis: 'redis://127.0.0.1:1', maxStalenessMs: -1 }), ConfigError);
  });
});
