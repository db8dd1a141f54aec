/**
 * examples/full as a real process: OpenTelemetry correlation (the SDK packages are installed
 * here, so the example registers a tracer provider), health and readiness, and the SIGTERM
 * order (readiness 503 first, then the drain).
 */
import assert from 'node:assert/strict';
import { startFullService, type FullService } from './full-service.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';

/** The log lines (structured console format) that mention `text`. */
function linesWith(service: FullService, text: string): string[] {
  return service.output().split('\n').filter((line) => line.includes(text));
}

async function until(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('examples/full: tracing, health and the SIGTERM order', function () {
  this.timeout(60_000);
  let service: FullService | undefined;

  afterEach(async () => {
    if (service && service.child.exitCode === null) {
      service.child.kill('SIGKILL');
      await service.exited;
    }
    service = undefined;
  });

  it('with the OpenTelemetry packages installed: the request lines carry the server span (child of the caller), and readiness answers', async () => {
    service = await startFullService();
    const { base, userToken } = service;
    await until(() => linesWith(service!, 'examples/full started').length > 0, 'the started line');
    assert.equal(linesWith(service, 'examples/full started')[0]!.includes('tracing=true'), true, service.output());
    const response = await fetch(`${base}/me`, { headers: { authorization: `Bearer ${userToken}`, traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`, 'x-request-id': 'rid-example' } });
    assert.equal(response.status, 200);
    await until(() => linesWith(service!, 'GET /me 200').length > 0, 'the access line');
    const access = linesWith(service, 'GET /me 200')[0]!;
    assert.match(access, new RegExp(`trace_id=${TRACE_ID}`));
    assert.match(access, /requestId=rid-example/);
    assert.match(access, /trace_flags=01/);
    const spanId = /span_id=([0-9a-f]{16})/.exec(access)?.[1];
    assert.ok(spanId && spanId !== PARENT_ID, `the service's own span id: ${access}`);
    assert.ok(!access.includes('parent_span_id'), 'the SDK owns the span tree');

    const live = await fetch(`${base}/health/livez`);
    assert.equal(live.status, 200);
    const ready = await fetch(`${base}/health/readyz`);
    assert.equal(ready.status, 200);
    assert.equal(((await ready.json()) as { status: string }).status, 'ok');
  });

  it('SIGTERM: readiness turns 503 while requests are still served, then the drain, then exit 0', async () => {
    service = await startFullService({ READINESS_DELAY_MS: '1500', EXAMPLE_OTEL: 'false' });
    const { base, userToken } = service;
    const authorization = `Bearer ${userToken}`;
    assert.equal((await fetch(`${base}/health/readyz`)).status, 200);
    service.child.kill('SIGTERM');
    await until(() => service!.output().includes('readiness is 503'), 'the shutdown line');
    const ready = await fetch(`${base}/health/readyz`);
    assert.equal(ready.status, 503);
    assert.equal(((await ready.json()) as { status: string }).status, 'shutting_down');
    assert.equal((await fetch(`${base}/me`, { headers: { authorization } })).status, 200, 'still serving during the readiness delay');
    assert.equal((await fetch(`${base}/health/livez`)).status, 200, 'liveness stays up');
    assert.equal(await service.exited, 0, service.output().slice(-2000));
    assert.ok(linesWith(service, 'examples/full started')[0]!.includes('tracing=false'), 'EXAMPLE_OTEL=false: no tracer provider');
  });
});
