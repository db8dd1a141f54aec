import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import request from 'supertest';
import { APIKeyManager, requireApiKey } from '../../lib/api-key/index.js';
import { requireUser } from '../../lib/auth/index.js';
import { ConfigError, resetKitWarnings } from '../../lib/config/index.js';
import { getOpenApiMetadata } from '../../lib/openapi/metadata.js';
import { RATE_LIMITED_ERROR, RATE_LIMITED_MESSAGE, createRateLimiter, rateLimit } from '../../lib/rate-limit/index.js';
import { forEachExpress } from '../support/express.js';
import { buildApp, collectWarnings, signTestJwt, uniqueName } from './helpers.js';

describe('rate-limit: rateLimit() factory', () => {
  it('returns a named middleware carrying OpenAPI metadata and its limiter', () => {
    const middleware = rateLimit({ name: uniqueName(), store: 'memory', limit: 5, windowMs: 1000, algorithm: 'token-bucket' });
    assert.equal(middleware.name, 'rateLimitMiddleware');
    assert.deepEqual(getOpenApiMetadata(middleware), {
      rateLimit: { limit: 5, windowMs: 1000, algorithm: 'token-bucket' },
      exemptPaths: ['/health', '/docs', '/openapi.json', '/static/', '/metrics'], // no 429 documented there
    });
    assert.equal(middleware.limiter.limit, 5);
    const closed = rateLimit({ store: 'memory', name: uniqueName(), limit: 5, windowMs: 1000, onStoreError: 'closed' });
    assert.equal(typeof getOpenApiMetadata(closed)?.serviceUnavailable, 'string');
  });

  it('rejects bad options at creation with a ConfigError', () => {
    const limiter = createRateLimiter({ store: 'memory', limit: 1, windowMs: 1000, name: uniqueName() });
    for (const bad of [{ limiter, limit: 5 }, { onStoreError: 'maybe' }, { exemptPaths: ['health'] }, { ipv6Subnet: 200 }, { keyGenerator: 'ip' }, { limit: -1 }]) {
      assert.throws(() => rateLimit({ store: 'memory', windowMs: 1000, ...bad } as never), ConfigError, JSON.stringify(Object.keys(bad)));
    }
  });
});

forEachExpress('rate-limit: rateLimit() middleware', ({ create }) => {
  const memoryLimit = (limit: number, extra: Record<string, unknown> = {}) =>
    rateLimit({ name: uniqueName('mw'), store: 'memory', limit, windowMs: 60_000, ...extra });

  it('sends X-RateLimit-* and IETF RateLimit/RateLimit-Policy headers', async () => {
    const middleware = memoryLimit(3);
    const app = buildApp(create(), [middleware]);
    const before = Math.floor(Date.now() / 1000);
    const res = await request(app).get('/api/hello').expect(200);
    assert.equal(res.headers['x-ratelimit-limit'], '3');
    assert.equal(res.headers['x-ratelimit-remaining'], '2');
    const reset = Number(res.headers['x-ratelimit-reset']);
    assert.ok(reset >= before + 59 && reset <= before + 61, `reset ${reset}`);
    assert.equal(res.headers['ratelimit-policy'], `"${middleware.limiter.name}";q=3;w=60`);
    assert.match(res.headers['ratelimit'] as string, new RegExp(`^"${middleware.limiter.name}";r=2;t=(59|60)$`));
  });

  it("answers 429 with the reference's detail object and a Retry-After within one second of the true wait", async () => {
    const windowMs = 3000;
    const app = buildApp(create(), [rateLimit({ name: uniqueName(), store: 'memory', limit: 2, windowMs })]);
    const firstAt = Date.now();
    await request(app).get('/api/hello').expect(200);
    await request(app).get('/api/hello').expect(200);
    const res = await request(app).get('/api/hello').expect(429);
    const trueWaitMs = firstAt + windowMs - Date.now();
    const retryAfter = Number(res.headers['retry-after']);
    assert.ok(retryAfter * 1000 >= trueWaitMs - 50 && retryAfter * 1000 <= trueWaitMs + 1050, `Retry-After ${retryAfter}s, true wait ${trueWaitMs}ms`);
    assert.equal(res.headers['x-ratelimit-remaining'], '0');
    const { detail } = res.body as { detail: Record<string, unknown> };
    assert.deepEqual(Object.keys(detail).sort(), ['error', 'limit', 'message', 'remaining', 'reset']);
    assert.equal(detail.error, RATE_LIMITED_ERROR);
    assert.equal(detail.message, RATE_LIMITED_MESSAGE);
    assert.equal(detail.error, 'Rate limit exceeded');
    assert.equal(detail.message, 'Rate limit exceeded. Please try again later.');
    assert.deepEqual([detail.limit, detail.remaining], [2, 0]);
    assert.equal(detail.reset, Number(res.headers['x-ratelimit-reset']));
  });

  it("gives a 429 with Retry-After even through Express's default error handler", async () => {
    const app = create();
    app.set('env', 'test'); // keep the default handler from printing the 429's stack
    buildApp(app, [memoryLimit(1)], false);
    await request(app).get('/api/hello').expect(200);
    const res = await request(app).get('/api/hello').expect(429);
    assert.ok(Number(res.headers['retry-after']) >= 1);
  });

  it('never counts exempt paths (and sends them no headers); look-alike paths are counted', async () => {
    const app = buildApp(create(), [memoryLimit(2)]);
    for (let i = 0; i < 5; i++) {
      for (const path of ['/health', '/docs/page', '/openapi.json', '/static/app.js', '/metrics', '/health?x=1']) {
        const res = await request(app).get(path).expect(200);
        assert.equal(res.headers['x-ratelimit-limit'], undefined, path);
      }
    }
    assert.equal((await request(app).get('/api/hello').expect(200)).headers['x-ratelimit-remaining'], '1');
    await request(app).get('/healthz').expect(200);
    await request(app).get('/api/hello').expect(429);
  });

  it('takes custom exempt paths and a skip function', async () => {
    const app = buildApp(create(), [memoryLimit(1, { exemptPaths: ['/api/', /^\/metrics$/], skip: (req: { headers: Record<string, unknown> }) => req.headers['x-internal'] === '1' })]);
    for (let i = 0; i < 3; i++) await request(app).get('/api/hello').expect(200);
    await request(app).get('/metrics').expect(200);
    await request(app).get('/health').expect(200);
    await request(app).get('/health').expect(429);
    await request(app).get('/health').set('X-Internal', '1').expect(200);
  });

  it('before auth, rotating forged Bearer tokens and random API keys from one IP get exactly `limit`', async () => {
    const app = buildApp(create(), [memoryLimit(3)]);
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const forged = `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify({ sub: `u${i}` })).toString('base64url')}.forged${i}`;
      const req = request(app).get('/api/hello');
      statuses.push((await (i % 2 === 0 ? req.set('Authorization', `Bearer ${forged}`) : req.set('X-API-Key', `agpt_${randomUUID()}`))).status);
    }
    assert.equal(statuses.filter((s) => s === 200).length, 3, statuses.join(','));
  });

  it('after the kit\'s auth verified them, two users with different JWTs get separate buckets', async () => {
    const [alice, bob] = [await signTestJwt('alice'), await signTestJwt('bob')];
    assert.equal(alice.slice(0, 12), bob.slice(0, 12), 'every HS256 JWT starts alike');
    const auth = requireUser({ env: {}, verifyKey: 'rate-limit-test-secret-0123456789abcdef', algorithm: 'HS256' });
    const app = buildApp(create(), [auth, memoryLimit(2)]);
    await request(app).get('/api/hello').set('Authorization', `Bearer ${alice}`).expect(200);
    await request(app).get('/api/hello').set('Authorization', `Bearer ${alice}`).expect(200);
    await request(app).get('/api/hello').set('Authorization', `Bearer ${alice}`).expect(429);
    await request(app).get('/api/hello').set('Authorization', `Bearer ${bob}`).expect(200);
  });

  it('after requireApiKey verified it, a key is limited by its record id (never the raw key)', async () => {
    const manager = new APIKeyManager();
    const [one, two] = [await manager.generate(), await manager.generate()];
    const records = [one, two].map((g, i) => ({ id: `key-${['one', 'two'][i]}`, head: g.head, hash: g.hash, salt: g.salt }));
    const auth = requireApiKey({ manager, lookup: (head) => records.filter((r) => r.head === head) });
    const middleware = memoryLimit(1);
    const app = buildApp(create(), [auth, middleware]);
    await request(app).get('/api/hello').set('X-API-Key', one.key).expect(200);
    await request(app).get('/api/hello').set('X-API-Key', one.key).expect(429);
    await request(app).get('/api/hello').set('X-API-Key', two.key).expect(200);
    assert.equal((await middleware.limiter.info('apikey:key-one')).remaining, 0);
  });

  it('uses req.user.id when auth ran before it, and a custom key function first', async () => {
    const setUser = (req: { headers: Record<string, unknown>; user?: unknown }, _res: unknown, next: () => void) => {
      if (typeof req.headers['x-user'] === 'string') req.user = { id: req.headers['x-user'] };
      next();
    };
    const app = buildApp(create(), [setUser, memoryLimit(1)]);
    const token = await signTestJwt('carol');
    await request(app).get('/api/hello').set('X-User', 'u1').set('Authorization', `Bearer ${token}`).expect(200);
    await request(app).get('/api/hello').set('X-User', 'u1').expect(429); // same user, any token
    await request(app).get('/api/hello').set('X-User', 'u2').expect(200);

    const custom = buildApp(create(), [memoryLimit(1, { keyGenerator: async (req: { headers: Record<string, unknown> }) => req.headers['x-tenant'] as string | undefined })]);
    await request(custom).get('/api/hello').set('X-Tenant', 'acme').expect(200);
    await request(custom).get('/api/hello').set('X-Tenant', 'acme').expect(429);
    await request(custom).get('/api/hello').set('X-Tenant', 'globex').expect(200);
    await request(custom).get('/api/hello').expect(200); // no tenant: the client IP
  });

  it('passes a failing key function to next() (no crash, no hang)', async () => {
    const app = buildApp(create(), [memoryLimit(1, { keyGenerator: () => { throw new Error('boom'); } })]);
    await request(app).get('/api/hello').expect(500);
  });

  it('with trust proxy off, a changing X-Forwarded-For does not escape the limit, and a coded warning fires once', async () => {
    resetKitWarnings();
    const app = buildApp(create(), [memoryLimit(2)]);
    const statuses: number[] = [];
    const codes = await collectWarnings(async () => {
      for (let i = 0; i < 5; i++) statuses.push((await request(app).get('/api/hello').set('X-Forwarded-For', `192.0.2.${i + 1}`)).status);
    });
    assert.deepEqual(statuses, [200, 200, 429, 429, 429]);
    assert.deepEqual(codes.filter((c) => c === 'WARN_TRUST_PROXY_OFF'), ['WARN_TRUST_PROXY_OFF']);
  });

  it('with trust proxy off, requests keyed by their user do not warn about X-Forwarded-For (the address is not their key)', async () => {
    resetKitWarnings();
    const token = await signTestJwt('dave');
    const auth = requireUser({ env: {}, verifyKey: 'rate-limit-test-secret-0123456789abcdef', algorithm: 'HS256' });
    const app = buildApp(create(), [auth, memoryLimit(5)]);
    const codes = await collectWarnings(async () => {
      for (let i = 0; i < 3; i++) await request(app).get('/api/hello').set('Authorization', `Bearer ${token}`).set('X-Forwarded-For', `192.0.2.${i + 1}`).expect(200);
    });
    assert.deepEqual(codes.filter((c) => c.startsWith('WARN_TRUST_PROXY')), []);
    // the same setup without auth: the requests are keyed by their address, and it warns
    const byAddress = buildApp(create(), [memoryLimit(5)]);
    const anonymous = await collectWarnings(async () => {
      await request(byAddress).get('/api/hello').set('X-Forwarded-For', '192.0.2.9').expect(200);
    });
    assert.deepEqual(anonymous.filter((c) => c.startsWith('WARN_TRUST_PROXY')), ['WARN_TRUST_PROXY_OFF']);
  });

  it('with trust proxy on, the right hop is the client: spoofed left entries do not escape', async () => {
    const app = create();
    app.set('trust proxy', 1);
    buildApp(app, [memoryLimit(1)]);
    await request(app).get('/api/hello').set('X-Forwarded-For', '198.51.100.1, 192.0.2.9').expect(200);
    await request(app).get('/api/hello').set('X-Forwarded-For', '198.51.100.2, 192.0.2.9').expect(429);
    await request(app).get('/api/hello').set('X-Forwarded-For', '192.0.2.10').expect(200);
  });

  it('with trust proxy true (every hop), warns WARN_TRUST_PROXY_PERMISSIVE once', async () => {
    resetKitWarnings();
    const app = create();
    app.set('trust proxy', true);
    buildApp(app, [memoryLimit(2)]);
    const codes = await collectWarnings(async () => {
      for (let i = 0; i < 3; i++) await request(app).get('/api/hello').set('X-Forwarded-For', `192.0.2.${i + 1}`);
    });
    assert.deepEqual(codes.filter((c) => c.startsWith('WARN_TRUST_PROXY')), ['WARN_TRUST_PROXY_PERMISSIVE']);
  });

  it('stacks IETF headers of two limiters on one route', async () => {
    const a = memoryLimit(5);
    const b = memoryLimit(10);
    const res = await request(buildApp(create(), [a, b])).get('/api/hello').expect(200);
    assert.equal(res.headers['ratelimit-policy'], `"${a.limiter.name}";q=5;w=60, "${b.limiter.name}";q=10;w=60`);
  });

  it('hostile credentials and paths never produce a 5xx', async () => {
    const app = buildApp(create(), [memoryLimit(1000)]);
    const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 300 });
    await fc.assert(fc.asyncProperty(printable, printable, printable, async (auth, apiKey, path) => {
      const res = await request(app).get(`/api/${encodeURIComponent(path)}`).set('Authorization', auth).set('X-API-Key', apiKey);
      assert.ok(res.status < 500, `status ${res.status}`);
    }), { numRuns: 40 });
  });
});

describe('rate-limit: rateLimit() call discipline', () => {
  // a request as the middleware reads it, outside Express (plain node:http users, tests)
  const fakeRequest = () => ({ originalUrl: '/api/x', url: '/api/x', headers: {}, ip: '192.0.2.1', socket: { remoteAddress: '192.0.2.1' } });
  const fakeResponse = () => {
    const headers = new Map<string, unknown>();
    return {
      headersSent: false, headers,
      setHeader: (name: string, value: unknown) => headers.set(name.toLowerCase(), value),
      getHeader: (name: string) => headers.get(name.toLowerCase()),
    };
  };

  it('answers a memory limiter in the same tick: next() has run when the middleware returns', () => {
    const middleware = rateLimit({ name: uniqueName(), store: 'memory', limit: 2, windowMs: 60_000 });
    const res = fakeResponse();
    const calls: unknown[] = [];
    middleware(fakeRequest() as never, res as never, (error?: unknown) => calls.push(error));
    assert.deepEqual(calls, [undefined]);
    assert.equal(res.headers.get('x-ratelimit-remaining'), '1');
  });

  it('never calls next() twice when a later handler throws synchronously', () => {
    const middleware = rateLimit({ name: uniqueName(), store: 'memory', limit: 2, windowMs: 60_000 });
    let calls = 0;
    const failure = new Error('thrown by the next handler');
    assert.throws(() => middleware(fakeRequest() as never, fakeResponse() as never, () => {
      calls++;
      throw failure;
    }), failure);
    assert.equal(calls, 1, 'the error reaches the caller (Express catches it), not a second next()');
    let exemptCalls = 0;
    assert.throws(() => middleware({ ...fakeRequest(), originalUrl: '/health', url: '/health' } as never, fakeResponse() as never, () => {
      exemptCalls++;
      throw failure;
    }), failure);
    assert.equal(exemptCalls, 1, 'same on an exempt path');
  });

  it('passes a failing async key function to next() once', async () => {
    const middleware = rateLimit({ name: uniqueName(), store: 'memory', limit: 2, windowMs: 60_000, keyGenerator: () => Promise.reject(new Error('lookup failed')) });
    const errors = await new Promise<unknown[]>((resolve) => {
      const seen: unknown[] = [];
      middleware(fakeRequest() as never, fakeResponse() as never, (error?: unknown) => {
        seen.push(error);
        setImmediate(() => resolve(seen));
      });
    });
    assert.equal(errors.length, 1);
    assert.equal((errors[0] as Error).message, 'lookup failed');
  });
});
