/**
 * requestMetrics() through the OpenTelemetry Metrics API, read back with the real SDK
 * (@opentelemetry/sdk-metrics MeterProvider + a pull MetricReader), loopback HTTP only.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { metrics } from '@opentelemetry/api';
import { DataPointType, type HistogramMetricData, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import express from 'express';
import { Registry } from 'prom-client';
import { OTEL_HTTP_DURATION_BUCKETS, platformMetricsRegistry, requestMetrics, type RequestMetricsOptions } from '../../lib/alerting/index.js';
import { globalMeterProvider } from '../../lib/alerting/otel-meter.js';
import { ConfigError } from '../../lib/config/index.js';

/** A pull reader: the test decides when to collect. */
class TestReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

async function serve(options: RequestMetricsOptions): Promise<{ server: Server; base: string }> {
  const app = express();
  app.use(requestMetrics(options));
  app.get('/users/:id', (req, res) => void res.json({ id: req.params.id }));
  app.get('/boom', (_req, res) => void res.status(500).end());
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function durationMetric(reader: TestReader): Promise<HistogramMetricData> {
  const { resourceMetrics, errors } = await reader.collect();
  assert.deepEqual(errors, []);
  const scope = resourceMetrics.scopeMetrics.find((s) => s.scope.name === 'express-platform-kit');
  assert.ok(scope, 'the kit meter');
  const metric = scope.metrics.find((m) => m.descriptor.name === 'http.server.request.duration');
  assert.ok(metric, 'http.server.request.duration');
  assert.equal(metric.dataPointType, DataPointType.HISTOGRAM);
  return metric as HistogramMetricData;
}

describe('requestMetrics({ meterProvider })', () => {
  it('records http.server.request.duration in seconds with the semconv attributes and buckets', async () => {
    const reader = new TestReader();
    const provider = new MeterProvider({ readers: [reader] });
    const registry = new Registry();
    const { server, base } = await serve({ registry, meterProvider: provider });
    try {
      for (let i = 0; i < 3; i++) assert.equal((await fetch(`${base}/users/${i}`)).status, 200);
      assert.equal((await fetch(`${base}/boom`)).status, 500);
      assert.equal((await fetch(`${base}/nowhere/42`)).status, 404);
      const metric = await durationMetric(reader);
      assert.equal(metric.descriptor.unit, 's');
      const points = metric.dataPoints.map((p) => ({ attributes: p.attributes, count: p.value.count }));
      const byKey = (p: { attributes: object }) => JSON.stringify(p.attributes);
      assert.deepEqual(points.sort((a, b) => (byKey(a) < byKey(b) ? -1 : 1)), [
        { attributes: { 'http.request.method': 'GET', 'http.response.status_code': 404 }, count: 1 },
        { attributes: { 'http.request.method': 'GET', 'http.route': '/boom', 'http.response.status_code': 500, 'error.type': '500' }, count: 1 },
        { attributes: { 'http.request.method': 'GET', 'http.route': '/users/:id', 'http.response.status_code': 200 }, count: 3 },
      ].sort((a, b) => (byKey(a) < byKey(b) ? -1 : 1)));
      const users = metric.dataPoints.find((p) => p.attributes['http.route'] === '/users/:id');
      assert.deepEqual(users?.value.buckets.boundaries, [...OTEL_HTTP_DURATION_BUCKETS]);
      assert.ok((users?.value.sum ?? 0) > 0 && (users?.value.sum ?? 1) < 5, 'seconds, not milliseconds');
      // The prom-client side still records, in the default dialect.
      assert.ok(registry.getSingleMetric('http_requests_total'));
    } finally {
      server.close();
      await provider.shutdown();
    }
  });

  it('with registry: false records only through the meter', async () => {
    const reader = new TestReader();
    const provider = new MeterProvider({ readers: [reader] });
    const requestsOnDefaultRegistry = async () => {
      const metric = platformMetricsRegistry.getSingleMetric('http_requests_total');
      return metric ? (await metric.get()).values.reduce((n, v) => n + v.value, 0) : 0;
    };
    const before = await requestsOnDefaultRegistry();
    const { server, base } = await serve({ registry: false, meterProvider: provider });
    try {
      await fetch(`${base}/users/7`);
      const metric = await durationMetric(reader);
      assert.equal(metric.dataPoints.reduce((n, p) => n + p.value.count, 0), 1);
      assert.equal(await requestsOnDefaultRegistry(), before, 'nothing recorded in prom-client');
    } finally {
      server.close();
      await provider.shutdown();
    }
  });
});

describe('requestMetrics({ otel: true })', () => {
  afterEach(() => metrics.disable());

  it('records through the global meter provider of @opentelemetry/api', async () => {
    const reader = new TestReader();
    const provider = new MeterProvider({ readers: [reader] });
    assert.ok(metrics.setGlobalMeterProvider(provider));
    const { server, base } = await serve({ registry: new Registry(), otel: true });
    try {
      await fetch(`${base}/users/1`);
      await fetch(`${base}/users/2`);
      const metric = await durationMetric(reader);
      assert.equal(metric.dataPoints.find((p) => p.attributes['http.route'] === '/users/:id')?.value.count, 2);
    } finally {
      server.close();
      await provider.shutdown();
    }
  });

  it('fails at factory time with a ConfigError naming the package when it is not installed', () => {
    assert.throws(
      () => globalMeterProvider('otel', 'requestMetrics options', '@opentelemetry/api-not-installed'),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.issues[0]?.variable, 'otel');
        assert.match(error.message, /npm install @opentelemetry\/api-not-installed/);
        return true;
      },
    );
  });

  it('refuses meterProvider and otel: true together', () => {
    assert.throws(() => requestMetrics({ otel: true, meterProvider: new MeterProvider() }), { code: 'ERR_CONFIG_INVALID', message: /otel: give either meterProvider/ });
  });
});
