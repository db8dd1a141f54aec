/**
 * docs/metrics.md runs as written (its `ts` snippets in page order make one app whose /metrics
 * carries what the page says), and its tables name the metrics the kit really registers.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { platformMetricsRegistry } from '../../lib/alerting/index.js';
import '../../lib/auth/index.js';
import '../../lib/sync/index.js';
import { parsePrometheus, total } from '../alerting/helpers.js';
import { codeBlocks, startDocApp, type DocApp } from './doc-app.js';

const page = readFileSync(resolve(import.meta.dirname, '../../docs/metrics.md'), 'utf8');

describe('docs/metrics.md', function () {
  this.timeout(60_000);
  let app: DocApp;

  before(async () => {
    app = await startDocApp('metrics.ts', codeBlocks(page, 'ts').join('\n'), {});
  });
  after(() => app?.kill());

  it('serves the request metrics, by route pattern, and the process metrics on /metrics', async () => {
    assert.equal((await fetch(`${app.url}/orders/42`)).status, 200);
    const samples = parsePrometheus(await (await fetch(`${app.url}/metrics`)).text());
    assert.equal(total(samples, 'http_requests_total', { route: '/orders/:id', status_code: '200' }), 1);
    assert.ok(samples.some((s) => s.name === 'process_cpu_user_seconds_total'), 'collectDefaultMetrics: true');
    const merged = await fetch(`${app.url}/metrics/all`);
    assert.equal(merged.status, 200);
    assert.match(await merged.text(), /http_requests_total/);
  });

  it('names in its tables the request metrics of both dialects and the kit counters that auth and sync register', () => {
    const documented = new Set([...page.matchAll(/^\| `([a-z_]+)` \| (?:counter|histogram) \|/gm)].map((m) => m[1]!));
    for (const name of ['jwt_verification_failures_total', 'lock_acquisitions_total', 'lock_wait_seconds']) {
      assert.ok(platformMetricsRegistry.getSingleMetric(name), `${name} is registered`);
      assert.ok(documented.has(name), `${name} is documented`);
    }
    for (const name of ['http_requests_total', 'http_request_errors_total', 'http_request_duration_seconds', 'http_server_request_duration_seconds']) {
      assert.ok(documented.has(name), name);
    }
  });
});
