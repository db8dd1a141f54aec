/**
 * docs/logging.md "Traces" runs as written: its first TypeScript snippet is a service whose
 * outbound call carries the trace (checked against a loopback "billing" server that reads the
 * headers), its OpenTelemetry snippet runs to its end with the real SDK.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { codeBlocks, runDocScript, startDocApp, type DocApp } from './doc-app.js';

const page = readFileSync(resolve(import.meta.dirname, '../../docs/logging.md'), 'utf8');
const section = page.slice(page.indexOf('\n## Traces\n'), page.indexOf('\n## Development vs production\n'));
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';

function jsonLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('docs/logging.md: Traces', function () {
  this.timeout(60_000);
  const [service, consumer, otel] = codeBlocks(section, 'ts');
  let billing: Server;
  let received: IncomingHttpHeaders[];
  let app: DocApp | undefined;

  before(async () => {
    received = [];
    billing = createServer((req, res) => {
      received.push(req.headers);
      res.end('{}');
    });
    await new Promise<void>((done) => billing.listen(0, '127.0.0.1', done));
  });
  after(async () => {
    app?.kill();
    await new Promise((done) => billing.close(done));
  });

  it('the service snippet: lines carry the trace with a new span id, billing receives this request as the parent', async () => {
    assert.ok(service && consumer && otel, 'three TypeScript snippets');
    app = await startDocApp('logging-traces-service.ts', service, { BILLING_URL: `http://127.0.0.1:${(billing.address() as AddressInfo).port}` });
    const response = await fetch(`${app.url}/orders/17`, { headers: { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`, 'x-request-id': 'rid-doc' } });
    assert.equal(response.status, 200);
    const line = jsonLines(app.output()).find((record) => record.message === 'order looked up');
    assert.ok(line, app.output());
    assert.equal(line.trace_id, TRACE_ID);
    assert.equal(line.parent_span_id, PARENT_ID);
    assert.equal(line.trace_flags, '01');
    assert.match(String(line.span_id), /^[0-9a-f]{16}$/);
    assert.equal(received.length, 1);
    assert.equal(received[0]!.traceparent, `00-${TRACE_ID}-${line.span_id}-01`);
    assert.equal(received[0]!['x-request-id'], 'rid-doc');
    assert.equal(received[0]!.accept, 'application/json');
  });

  it('the queue-consumer snippet: its line joins the producer trace with a span id of its own', async () => {
    const { code, output } = await runDocScript('logging-traces-consumer.ts', consumer!, {});
    assert.equal(code, 0, output);
    const line = output.split('\n').find((text) => text.includes('message handled'));
    assert.ok(line, output);
    assert.match(line, new RegExp(`trace_id=${TRACE_ID}`));
    assert.match(line, new RegExp(`parent_span_id=${PARENT_ID}`));
    assert.match(line, /requestId=msg-1/);
    assert.match(line, / span_id=[0-9a-f]{16}/);
  });

  it('the OpenTelemetry snippet: the job line carries its span ids', async () => {
    const { code, output } = await runDocScript('logging-traces-otel.ts', otel!, {});
    assert.equal(code, 0, output);
    const line = jsonLines(output).find((record) => record.message === 'report started');
    assert.ok(line, output);
    assert.match(String(line.trace_id), /^[0-9a-f]{32}$/);
    assert.match(String(line.span_id), /^[0-9a-f]{16}$/);
    assert.equal(line.trace_flags, '01');
    assert.equal('parent_span_id' in line, false);
    assert.ok(output.includes(String(line.span_id)), 'the exported span has the same id');
  });
});
