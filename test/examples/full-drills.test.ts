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
    const authorization = `Bearer ${userToken}`;
    // Warm the service up (JIT, lazy imports) so the drill measures shutdown, not a cold start.
    for (let i = 0; i < 5; i++) assert.equal((await fetch(`${base}/me`, { headers: { authorization } })).status, 200);

    // Uploads the server has provably accepted before the signal: it answered their
    // `Expect: 100-continue`; their bodies are sent only after SIGTERM.
    const url = new URL(`${base}/graphs`);
    const uploads = Array.from({ length: 8 }, (_, i) => {
      const body = JSON.stringify({ name: `upload ${i}`, description: 'x'.repeat(900) });
      let continued!: () => void;
      const accepted = new Promise<void>((done) => (continued = done));
      let send!: () => void;
      const response = new Promise<{ status: number; body: string }>((done, fail) => {
        const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { authorization, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), expect: '100-continue' } }, (res) => {
          let text = '';
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => done({ status: res.statusCode ?? 0, body: text }));
        });
        req.on('error', fail);
        req.on('continue', continued);
        send = () => req.end(body);
        req.flushHeaders();
      });
      return { accepted, send: () => send(), response };
    });
    await Promise.all(uploads.map((upload) => upload.accepted));
    // And a burst of ordinary requests racing the signal.
    const burst = Array.from({ length: 40 }, () =>
      fetch(`${base}/me`, { headers: { authorization } }).then((res) => res.status, (err: Error & { cause?: { code?: string } }) => err.cause?.code ?? 'error'),
    );
    const signalledAt = Date.now();
    service.child.kill('SIGTERM');
    await new Promise((done) => setTimeout(done, 300));
    for (const upload of uploads) upload.send();
    const results = await Promise.all(uploads.map((upload) => upload.response));
    assert.deepEqual(results.map((r) => r.status), Array(8).fill(201), 'every accepted upload completed after SIGTERM');
    assert.deepEqual(results.map((r) => JSON.parse(r.body).name).sort(), uploads.map((_, i) => `upload ${i}`).sort());
    const answered = (await Promise.all(burst)).filter((r): r is number => typeof r === 'number');
    assert.ok(answered.every((status) => status === 200), `requests answered during shutdown are answered normally: ${answered.join(',')}`);
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
