import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { ConfigError } from '../../lib/config/index.js';
import request from 'supertest';
import { createRateLimiter, rateLimit, rateLimitAdminRouter } from '../../lib/rate-limit/index.js';
import { forEachExpress } from '../support/express.js';
import { buildApp, uniqueName } from './helpers.js';

forEachExpress('rate-limit: rateLimitAdminRouter', ({ create }) => {
  let client: Redis;
  before(() => {
    client = new Redis(process.env.TEST_REDIS_URL as string, { enableAutoPipelining: true });
  });
  after(() => client.quit());

  for (const backend of ['memory', 'redis'] as const) {
    it(`GET /rate-limit/:key shows a client's state and POST /rate-limit/:key/reset clears it (${backend})`, async () => {
      const limiter = createRateLimiter({
        name: uniqueName('admin'), limit: 3, windowMs: 30_000,
        ...(backend === 'memory' ? { store: 'memory' as const } : { redis: client }),
      });
      const app = create();
      app.use('/admin', rateLimitAdminRouter({ limiter }));
      buildApp(app, [rateLimit({ limiter })]);
      for (let i = 0; i < 4; i++) await request(app).get('/api/hello');
      const key = encodeURIComponent('ip:127.0.0.1');
      const status = await request(app).get(`/admin/rate-limit/${key}`).expect(200);
      assert.deepEqual(Object.keys(status.body).sort(), ['current', 'key', 'limit', 'remaining', 'reset', 'windowSize']);
      assert.equal(status.body.key, 'ip:127.0.0.1');
      assert.deepEqual([status.body.limit, status.body.remaining, status.body.current, status.body.windowSize], [3, 0, 3, 30]);
      assert.ok(status.body.reset > Date.now() / 1000 && status.body.reset <= Date.now() / 1000 + 31);
      await request(app).post(`/admin/rate-limit/${key}/reset`).expect(204);
      const after = await request(app).get(`/admin/rate-limit/${key}`).expect(200);
      assert.deepEqual([after.body.remaining, after.body.current], [3, 0]);
      await request(app).get('/api/hello').expect(200);
    });
  }

  it('looks a client up by user id, API key id or IP (IPv6 grouped like the middleware), saying which key it read', async () => {
    const limiter = createRateLimiter({ name: uniqueName('admin'), store: 'memory', limit: 5, windowMs: 10_000 });
    await limiter.check('user:42');
    await limiter.check('apikey:key_7');
    await limiter.check('ip:2001:db8:1234:5600:0:0:0:0/56');
    await limiter.check('ip:192.0.2.1');
    const app = create();
    app.use(rateLimitAdminRouter({ limiter }));
    buildApp(app, []);
    const cases: [string, string][] = [
      ['/rate-limit/user/42', 'user:42'],
      ['/rate-limit/api-key/key_7', 'apikey:key_7'],
      ['/rate-limit/ip/2001:db8:1234:56ff::9', 'ip:2001:db8:1234:5600:0:0:0:0/56'],
      ['/rate-limit/ip/192.0.2.1', 'ip:192.0.2.1'],
      [`/rate-limit/${encodeURIComponent('user:42')}`, 'user:42'],
    ];
    for (const [path, key] of cases) {
      const res = await request(app).get(path).expect(200);
      assert.deepEqual([res.body.key, res.body.current], [key, 1], path);
    }
    const unknown = await request(app).get('/rate-limit/user/nobody').expect(200);
    assert.deepEqual([unknown.body.key, unknown.body.current], ['user:nobody', 0]);
    await request(app).get('/rate-limit/ip/not-an-ip').expect(400);
    await request(app).post('/rate-limit/user/42/reset').expect(204);
    assert.equal((await limiter.info('user:42')).current, 0);
  });

  it('accepts keys with slashes and unicode (URL-encoded) and rejects oversized keys with 400', async () => {
    const limiter = createRateLimiter({ name: uniqueName('admin'), store: 'memory', limit: 2, windowMs: 10_000 });
    await limiter.check('ip:2001:db8::/56');
    await limiter.check('ключ {x}\n');
    const app = create();
    app.use(rateLimitAdminRouter({ limiter }));
    buildApp(app, []);
    const v6 = await request(app).get(`/rate-limit/${encodeURIComponent('ip:2001:db8::/56')}`).expect(200);
    assert.equal(v6.body.current, 1);
    const unicode = await request(app).get(`/rate-limit/${encodeURIComponent('ключ {x}\n')}`).expect(200);
    assert.equal(unicode.body.current, 1);
    const long = await request(app).get(`/rate-limit/${'a'.repeat(2000)}`);
    assert.equal(long.status, 400);
  });

  it('needs a limiter (a ConfigError, like every bad option)', () => {
    assert.throws(() => rateLimitAdminRouter({} as never), ConfigError);
    assert.throws(() => rateLimitAdminRouter({ limiter: {} } as never), ConfigError);
  });
});
