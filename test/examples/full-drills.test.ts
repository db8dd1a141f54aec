/**
 * Outage drills against examples/full, the whole kit in one service, as a real process:
 * Redis stopped under steady load, SIGTERM under load, the Cloud Logging endpoint down.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { startRedis, freePort, type RedisServerHandle } from '../support/redis-server.js';
import { startFullService, steadyLoad, type FullService } from './full-service.js';

function countBy(values: number[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

describe('examples/full: outage drills', function () {
  this.timeout(90_000);
  let service: FullService | undefined;
  let redis: RedisServerHandle | undefined;

  afterEach(async () => {
    if (service && service.child.exitCode === null) {
      service.child.kill('SIGKILL');
      await service.exited;
    }
    service = undefined;
    await redis?.stop();
    redis = undefined;
  });

  it('Redis stopped for seconds under steady load: no 5xx (fail open), no crash, limits resume when it returns', async () => {
    redis = await startRedis();
    service = await startFullService({ REDIS_URL: redis.url, RATE_LIMIT_REQUESTS_PER_MINUTE: '10000' });
    const { base, userToken } = service;
    const me = () => fetch(`${base}/me`, { headers: { authorization: `Bearer ${userToken}` } }).then((res) => res.status);
    let stop = false;
    const load = steadyLoad(me, 8, () => stop);
    await new Promise((done) => setTimeout(done, 500));
    await redis.stop();
    await new Promise((done) => setTimeout(done, 2500)); // the outage, under load
    await redis.restart(); // empty again, and its script cache is gone (NOSCRIPT)
    await new Promise((done) => setTimeout(done, 1000));
    stop = true;
    const statuses = await load;
    assert.ok(statuses.length > 50, `steady load ran (${statuses.length} requests)`);
    assert.deepEqual(countBy(statuses), { 200: statuses.length }, 'every request answered 200 through the outage');
    assert.equal(service.child.exitCode, null, 'the service is still running (no crash, no unhandled rejection)');

    // The create-graph limit (10 per minute per user, on Redis) is enforced again.
    const create = () => fetch(`${base}/graphs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${userToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'drill' }),
    });
    const created = [];
    for (let i = 0; i < 11; i++) created.push((await create()).status);
    assert.deepEqual(created, [...Array(10).fill(201), 429]);
    const client = redis.client();
    const keys = await client.keys('*');
    client.disconnect();
    assert.ok(keys.some((key) => key.includes('graphs-create')), `the limiter writes to the restarted Redis (${keys.join(', ')})`);
  });

  it('SIGTERM under load: every accepted request gets its response, then exit 0 within the grace period', async () => {
    service = await startFullService({ SHUTDOWN_TIMEOUT_MS: '8000' });
    const { base, userToken } = service;
    const url = new URL(`${base}/graphs`);
    // A request accepted before SIGTERM whose body is still arriving when it lands.
    const body = JSON.stringify({ name: 'slow upload', description: 'x'.repeat(900) });
    const slow = new Promise<{ status: number; body: string }>((done, fail) => {
      const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { authorization: `Bearer ${userToken}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => done({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', fail);
      req.write(body.slice(0, 100));
      setTimeout(() => req.end(body.slice(100)), 700);
    });
    // Concurrent requests in flight when the signal arrives.
    const burst = Array.from({ length: 40 }, () =>
      fetch(`${base}/me`, { headers: { authorization: `Bearer ${userToken}` } }).then((res) => res.status, (err: Error & { cause?: { code?: string } }) => err.cause?.code ?? 'error'),
    );
    await new Promise((done) => setTimeout(done, 150));
    const signalledAt = Date.now();
    service.child.kill('SIGTERM');
    const results = await Promise.all(burst);
    const accepted = results.filter((r) => r !== 'ECONNREFUSED');
    assert.ok(accepted.length > 0, 'some requests were accepted');
    assert.deepEqual(countBy(accepted as number[]), { 200: accepted.length }, `every accepted request was answered: ${JSON.stringify(results)}`);
    const upload = await slow;
    assert.equal(upload.status, 201, 'the slow upload accepted before SIGTERM completed');
    assert.equal(JSON.parse(upload.body).name, 'slow upload');
    assert.equal(await service.exited, 0, `exit code 0:\n${service.output().slice(-2000)}`);
    assert.ok(Date.now() - signalledAt < 8000, 'exited within the grace period');
  });

  it('the Cloud Logging endpoint down: requests unaffected, the service keeps logging elsewhere', async () => {
    const closedPort = await freePort(); // nothing listens there
    service = await startFullService({ EXAMPLE_CLOUD_LOGGING_ENDPOINT: `127.0.0.1:${closedPort}`, GOOGLE_CLOUD_PROJECT: 'example-project', METADATA_SERVER_DETECTION: 'none' });
    const { base, userToken } = service;
    const statuses = await Promise.all(Array.from({ length: 60 }, () => fetch(`${base}/me`, { headers: { authorization: `Bearer ${userToken}` } }).then((res) => res.status)));
    assert.deepEqual(countBy(statuses), { 200: 60 });
    const health = await fetch(`${base}/health`);
    assert.equal(health.status, 200);
    assert.equal(service.child.exitCode, null, 'no crash');
    service.child.kill('SIGTERM');
    const code = await service.exited;
    assert.ok(code === 0 || code === 1, `exits by itself (code ${code})`);
  });
});
