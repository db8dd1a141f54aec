import assert from 'node:assert/strict';
import { ConfigError } from '../../lib/config/index.js';
import { loadRateLimitSettings } from '../../lib/rate-limit/index.js';

describe('rate-limit: loadRateLimitSettings', () => {
  it("applies the reference's defaults and stays in memory without Redis variables", () => {
    const settings = loadRateLimitSettings({});
    assert.deepEqual(settings, {
      redisHost: 'localhost', redisPort: 6379, redisPassword: undefined, redisDb: 0, redisUrl: undefined,
      requestsPerMinute: 60, windowSeconds: 60, burst: 10, burstFromEnv: false,
    });
  });

  it('reads every variable, and builds a Redis URL from REDIS_HOST/PORT/PASSWORD/DB', () => {
    const settings = loadRateLimitSettings({
      REDIS_HOST: '127.0.0.1', REDIS_PORT: '6380', REDIS_PASSWORD: 'p@ss word', REDIS_DB: '3',
      RATE_LIMIT_REQUESTS_PER_MINUTE: '120', RATE_LIMIT_WINDOW_SECONDS: '30', RATE_LIMIT_BURST: '20',
    });
    assert.equal(settings.redisUrl, 'redis://:p%40ss%20word@127.0.0.1:6380/3');
    assert.equal(settings.requestsPerMinute, 120);
    assert.equal(settings.windowSeconds, 30);
    assert.equal(settings.burst, 20);
    assert.equal(settings.burstFromEnv, true);
  });

  it('prefers REDIS_URL over REDIS_HOST', () => {
    assert.equal(loadRateLimitSettings({ REDIS_URL: 'redis://127.0.0.1:7000', REDIS_HOST: '127.0.0.1' }).redisUrl, 'redis://127.0.0.1:7000');
  });

  it('rejects out-of-range values with one ConfigError naming each variable, never the values', () => {
    assert.throws(
      () => loadRateLimitSettings({
        REDIS_PORT: '0', REDIS_DB: '16', REDIS_URL: 'http://secret-host', RATE_LIMIT_REQUESTS_PER_MINUTE: '10001',
        RATE_LIMIT_WINDOW_SECONDS: '3601', RATE_LIMIT_BURST: '0',
      }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.code, 'ERR_CONFIG_INVALID');
        assert.deepEqual(err.issues.map((i) => i.variable).sort(), [
          'RATE_LIMIT_BURST', 'RATE_LIMIT_REQUESTS_PER_MINUTE', 'RATE_LIMIT_WINDOW_SECONDS', 'REDIS_DB', 'REDIS_PORT', 'REDIS_URL',
        ]);
        assert.doesNotMatch(err.message, /secret-host|10001|3601/);
        return true;
      },
    );
  });

  it('accepts the range edges', () => {
    const low = loadRateLimitSettings({ REDIS_PORT: '1', REDIS_DB: '0', RATE_LIMIT_REQUESTS_PER_MINUTE: '1', RATE_LIMIT_WINDOW_SECONDS: '1', RATE_LIMIT_BURST: '1' });
    const high = loadRateLimitSettings({ REDIS_PORT: '65535', REDIS_DB: '15', RATE_LIMIT_REQUESTS_PER_MINUTE: '10000', RATE_LIMIT_WINDOW_SECONDS: '3600', RATE_LIMIT_BURST: '100' });
    assert.deepEqual([low.redisPort, low.redisDb, low.requestsPerMinute, low.windowSeconds, low.burst], [1, 0, 1, 1, 1]);
    assert.deepEqual([high.redisPort, high.redisDb, high.requestsPerMinute, high.windowSeconds, high.burst], [65535, 15, 10000, 3600, 100]);
  });
});
