import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AlertManager, DEFAULT_ALERT_RULES, type AlertNotifier } from '../../lib/alerting/index.js';
import { captureLogs, recordingNotifier } from './helpers.js';

describe('AlertManager: static rules', () => {
  it('has the reference defaults: cpu > 80 high, memory > 85 high, error rate > 0.05 critical', async () => {
    assert.deepEqual(
      DEFAULT_ALERT_RULES.map((r) => [r.metric, r.operator, r.threshold, r.severity]),
      [['cpu', '>', 80, 'high'], ['memory', '>', 85, 'high'], ['errorRate', '>', 0.05, 'critical']],
    );
    const notifier = recordingNotifier();
    const alerts = new AlertManager({ notifier, anomaly: false });
    const quiet = await alerts.evaluate({ cpu: 80, memory: 85, errorRate: 0.05 });
    assert.deepEqual(quiet.triggered, [], 'thresholds are strict');
    const loud = await alerts.evaluate({ cpu: 80.5, memory: 90, errorRate: 0.2 });
    assert.deepEqual(loud.triggered.map((a) => [a.id, a.severity]).sort(), [['rule:high_cpu', 'high'], ['rule:high_error_rate', 'critical'], ['rule:high_memory', 'high']]);
    assert.equal(notifier.events.length, 3);
  });

  it('notifies a breach once, aggregates repeats (count, first/last seen), then resolves with a notification', async () => {
    const notifier = recordingNotifier();
    const alerts = new AlertManager({ notifier, anomaly: false });
    const first = await alerts.evaluate({ cpu: 95 });
    assert.equal(first.triggered.length, 1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await alerts.evaluate({ cpu: 97 });
    const third = await alerts.evaluate({ cpu: 99 });
    assert.deepEqual(third.triggered, []);
    assert.equal(notifier.events.length, 1, 'repeats only count');
    const [active] = alerts.activeAlerts();
    assert.equal(active?.count, 3);
    assert.equal(active?.value, 99);
    assert.ok(active!.lastSeen > active!.firstSeen);
    assert.equal(notifier.events[0]?.type, 'alert.triggered');
    assert.equal(notifier.events[0]?.alert.message, 'CPU usage above 80%: cpu=95 > 80');

    const cleared = await alerts.evaluate({ cpu: 30 });
    assert.equal(cleared.resolved.length, 1);
    assert.deepEqual(alerts.activeAlerts(), []);
    assert.equal(notifier.events.length, 2);
    const resolved = notifier.events[1]!;
    assert.equal(resolved.type, 'alert.resolved');
    assert.equal(resolved.alert.status, 'resolved');
    assert.equal(resolved.alert.count, 3);
    assert.ok(resolved.alert.resolvedAt);

    await alerts.evaluate({ cpu: 96 });
    assert.equal(notifier.events.length, 3, 'a new breach after resolution notifies again');
    assert.equal(alerts.activeAlerts()[0]?.count, 1);
  });

  it('leaves alerts alone when their metric is missing or not a finite number', async () => {
    const notifier = recordingNotifier();
    const alerts = new AlertManager({ notifier, anomaly: false });
    await alerts.evaluate({ memory: 99 });
    for (const snapshot of [{}, { memory: Number.NaN }, { memory: Number.POSITIVE_INFINITY }, { memory: '10' as unknown as number }]) {
      const result = await alerts.evaluate(snapshot);
      assert.deepEqual(result.resolved, []);
    }
    assert.equal(alerts.activeAlerts().length, 1);
    assert.equal(alerts.activeAlerts()[0]?.count, 1);
  });

  it('damps flapping with resolveAfter', async () => {
    const notifier = recordingNotifier();
    const alerts = new AlertManager({ notifier, anomaly: false, resolveAfter: 2 });
    await alerts.evaluate({ cpu: 90 });
    await alerts.evaluate({ cpu: 10 });
    await alerts.evaluate({ cpu: 90 });
    await alerts.evaluate({ cpu: 10 });
    assert.equal(notifier.events.length, 1, 'one clear evaluation does not resolve');
    await alerts.evaluate({ cpu: 10 });
    assert.deepEqual(notifier.events.map((e) => e.type), ['alert.triggered', 'alert.resolved']);
  });

  it('supports custom rules and operators, and the source field', async () => {
    const notifier = recordingNotifier();
    const alerts = new AlertManager({ notifier, anomaly: false, source: 'orders-api', rules: [{ name: 'low_disk', metric: 'diskFreeGb', operator: '<', threshold: 5, severity: 'critical' }] });
    await alerts.evaluate({ diskFreeGb: 2, cpu: 99 });
    assert.deepEqual(notifier.events.map((e) => [e.alert.id, e.source]), [['rule:low_disk', 'orders-api']]);
  });

  it('returns copies: callers cannot change the manager state', async () => {
    const alerts = new AlertManager({ notifier: recordingNotifier(), anomaly: false });
    const { active } = await alerts.evaluate({ cpu: 99 });
    active[0]!.count = 1000;
    assert.equal(alerts.activeAlerts()[0]?.count, 1);
  });

  it('rejects bad options with one ConfigError and bad snapshots with ERR_VALIDATION', async () => {
    assert.throws(() => new AlertManager({ rules: [{ name: 'x', metric: 'cpu', threshold: Number.NaN, severity: 'high' }] }), { code: 'ERR_CONFIG_INVALID', message: /threshold/ });
    assert.throws(() => new AlertManager({ rules: [{ name: 'x', metric: 'a', threshold: 1, severity: 'high' }, { name: 'x', metric: 'b', threshold: 1, severity: 'low' }] }), { code: 'ERR_CONFIG_INVALID', message: /unique/ });
    assert.throws(() => new AlertManager({ notifier: {} as AlertNotifier }), { code: 'ERR_CONFIG_INVALID', message: /notifier/ });
    assert.throws(() => new AlertManager({ anomaly: { zThreshold: -1 } }), { code: 'ERR_CONFIG_INVALID' });
    const alerts = new AlertManager({ notifier: recordingNotifier() });
    for (const bad of [null, undefined, 42, 'cpu', [1, 2]]) {
      await assert.rejects(alerts.evaluate(bad as never), { code: 'ERR_VALIDATION' });
    }
  });

  it('never throws on hostile metric snapshots (fast-check)', async () => {
    const alerts = new AlertManager({ notifier: recordingNotifier() });
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.string({ maxLength: 20 }), fc.oneof(fc.double(), fc.anything())), async (snapshot) => {
        const result = await alerts.evaluate(snapshot as Record<string, number>);
        assert.ok(Array.isArray(result.active));
      }),
      { numRuns: 200 },
    );
  });
});

describe('AlertManager: anomaly detection', () => {
  const steady = (i: number) => 50 + Math.sin(i / 2) * 1.5;

  it('raises nothing on a steady series', async () => {
    const notifier = recordingNotifier();
    const alerts = new AlertManager({ notifier, rules: [] });
    for (let i = 0; i < 200; i++) await alerts.evaluate({ latencyMs: steady(i), flat: 7, cpu: 20 + (i % 3) });
    assert.deepEqual(notifier.events, []);
  });

  it('catches a spike in a steady series, once, and resolves when it passes', async () => {
    const notifier = recordingNotifier();
    const alerts = new AlertManager({ notifier, rules: [] });
    for (let i = 0; i < 40; i++) await alerts.evaluate({ latencyMs: steady(i) });
    const spike = await alerts.evaluate({ latencyMs: 120 });
    assert.equal(spike.triggered.length, 1);
    const alert = spike.triggered[0]!;
    assert.equal(alert.id, 'anomaly:latencyMs');
    assert.equal(alert.kind, 'anomaly');
    assert.equal(alert.severity, 'medium');
    assert.ok(alert.baseline && alert.baseline.zScore > 3 && Math.abs(alert.baseline.mean - 50) < 1);
    assert.ok(alert.threshold > 50 && alert.threshold < 120, `dynamic bound ${alert.threshold}`);
    const back = await alerts.evaluate({ latencyMs: steady(41) });
    assert.equal(back.resolved.length, 1);
    assert.deepEqual(notifier.events.map((e) => e.type), ['alert.triggered', 'alert.resolved']);
  });

  it('catches a spike in a perfectly flat series, but not a rounding-level wiggle', async () => {
    const notifier = recordingNotifier();
    const alerts = new AlertManager({ notifier, rules: [] });
    for (let i = 0; i < 20; i++) await alerts.evaluate({ queue: 100 });
    await alerts.evaluate({ queue: 101 });
    assert.deepEqual(notifier.events, []);
    await alerts.evaluate({ queue: 400 });
    assert.equal(notifier.events.length, 1);
  });

  it('gives no verdict during warm-up', async () => {
    const notifier = recordingNotifier();
    const alerts = new AlertManager({ notifier, rules: [], anomaly: { minSamples: 10 } });
    for (let i = 0; i < 5; i++) await alerts.evaluate({ x: 10 });
    await alerts.evaluate({ x: 1000 });
    assert.deepEqual(notifier.events, []);
  });

  it('honours direction and the metrics list', async () => {
    const notifier = recordingNotifier();
    const alerts = new AlertManager({ notifier, rules: [], anomaly: { direction: 'up', metrics: ['a', 'b'] } });
    for (let i = 0; i < 20; i++) await alerts.evaluate({ a: 50, b: 50, c: 50 });
    await alerts.evaluate({ a: 1, b: 50, c: 5000 });
    assert.equal(notifier.events.length, 0, 'drops and unwatched metrics are ignored');
    await alerts.evaluate({ a: 50, b: 500, c: 50 });
    assert.deepEqual(notifier.events.map((e) => e.alert.id), ['anomaly:b']);
  });

  it('keeps a spike out of the baseline: the next anomaly soon after is still caught (median/MAD)', async () => {
    const notifier = recordingNotifier();
    const alerts = new AlertManager({ notifier, rules: [] });
    for (let i = 0; i < 40; i++) await alerts.evaluate({ latencyMs: steady(i) });
    assert.equal((await alerts.evaluate({ latencyMs: 500 })).triggered.length, 1);
    for (let i = 41; i < 46; i++) await alerts.evaluate({ latencyMs: steady(i) });
    // With a mean/standard deviation baseline the 500 ms spike inflates the deviation to ~80 and
    // hides a 70 ms value for the next 30 samples.
    const second = await alerts.evaluate({ latencyMs: 70 });
    assert.equal(second.triggered.length, 1, 'the second anomaly is caught');
    assert.ok(second.triggered[0]!.baseline!.mean < 52, `baseline stays near 50: ${second.triggered[0]!.baseline!.mean}`);
    assert.deepEqual(notifier.events.map((e) => e.type), ['alert.triggered', 'alert.resolved', 'alert.triggered']);
  });

  it('accepts a lasting change of level as the new normal after relearnAfter anomalous samples', async () => {
    const notifier = recordingNotifier();
    const alerts = new AlertManager({ notifier, rules: [], anomaly: { relearnAfter: 5 } });
    for (let i = 0; i < 20; i++) await alerts.evaluate({ queue: 100 + (i % 3) });
    for (let i = 0; i < 5; i++) await alerts.evaluate({ queue: 300 + (i % 3) });
    assert.equal(alerts.activeAlerts().length, 1, 'active while the shift is young');
    const settled = await alerts.evaluate({ queue: 301 });
    assert.equal(settled.resolved.length, 1, 'the new level is the baseline now');
    assert.equal((await alerts.evaluate({ queue: 100 })).triggered.length, 1, 'and the old level is now the anomaly');
  });

  it('does not alert on one stray error when the error rate sits at 0 (the static rule covers it)', async () => {
    const notifier = recordingNotifier();
    const alerts = new AlertManager({ notifier, rules: [] });
    for (let i = 0; i < 20; i++) await alerts.evaluate({ errorRate: 0 });
    await alerts.evaluate({ errorRate: 0.002 });
    assert.deepEqual(notifier.events, []);
  });
});

describe('AlertManager: notifier failures', () => {
  it('logs a throwing, rejecting or hanging notifier and still notifies the others', async () => {
    const good = recordingNotifier();
    const throwing: AlertNotifier = { name: 'throwing', notify: () => { throw new Error('boom'); } };
    const rejecting: AlertNotifier = { name: 'rejecting', notify: async () => { throw new Error('nope'); } };
    const hanging: AlertNotifier = { name: 'hanging', notify: () => new Promise(() => {}) };
    const alerts = new AlertManager({ notifier: [throwing, rejecting, hanging, good], anomaly: false, notifyTimeoutMs: 100 });
    const started = Date.now();
    const { result, records } = await captureLogs(() => alerts.evaluate({ cpu: 99 }));
    assert.ok(Date.now() - started < 2000);
    assert.equal(result.triggered.length, 1);
    assert.equal(good.events.length, 1);
    const failures = records.filter((r) => r.message === 'alert notifier failed');
    assert.deepEqual(failures.map((r) => r.notifier).sort(), ['hanging', 'rejecting', 'throwing']);
  });
});
