/** requestMetrics({ collectDefaultMetrics: true }): prom-client's process metrics, once per registry. */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { metricsHandler, requestMetrics } from '../../lib/alerting/index.js';
import { parsePrometheus } from './helpers.js';

describe('requestMetrics({ collectDefaultMetrics: true })', () => {
  it('serves prom-client\'s default process metrics once, however many requestMetrics() share the registry', async () => {
    const registry = new Registry();
    const app = express();
    app.use(requestMetrics({ registry, collectDefaultMetrics: true }));
    app.use('/v2', requestMetrics({ registry, collectDefaultMetrics: true }));
    requestMetrics({ registry, collectDefaultMetrics: true, dialect: 'opentelemetry' });
    app.get('/metrics', metricsHandler({ registry }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`);
      const text = await res.text();
      const samples = parsePrometheus(text);
      for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) {
        assert.equal(text.split('\n').filter((line) => line === `# TYPE ${name} ${name.endsWith('_total') ? 'counter' : 'gauge'}`).length, 1, name);
        assert.ok(samples.some((s) => s.name === name), name);
      }
    } finally {
      server.close();
    }
  });

  it('leaves a registry alone where the app already collects them, and is off by default', () => {
    const own = new Registry();
    collectDefaultMetrics({ register: own });
    requestMetrics({ registry: own, collectDefaultMetrics: true }); // prom-client would throw on a second registration
    const plain = new Registry();
    requestMetrics({ registry: plain });
    assert.equal(plain.getSingleMetric('process_cpu_user_seconds_total'), undefined);
    assert.throws(() => requestMetrics({ registry: false, meterProvider: { getMeter: () => ({ createHistogram: () => ({ record() {} }) }) }, collectDefaultMetrics: true }), { code: 'ERR_CONFIG_INVALID', message: /collectDefaultMetrics/ });
  });
});
