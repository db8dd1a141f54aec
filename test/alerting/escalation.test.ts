import assert from 'node:assert/strict';
import { AlertManager, ConfigError, loggerNotifier } from '../../lib/index.js';
import { recordingNotifier } from './helpers.js';

const rule = { name: 'slow', metric: 'latencyMs', threshold: 100, severity: 'medium' as const };

describe('AlertManager: escalation and de-escalation', () => {
  it('raises the severity one step after afterCount more evaluations, notifies each step, stops at maxSeverity', async () => {
    const notifier = recordingNotifier();
    const alerts = new AlertManager({ notifier, rules: [rule], anomaly: false, escalation: { afterCount: 2, maxSeverity: 'high' } });
    await alerts.evaluate({ latencyMs: 150 });
    await alerts.evaluate({ latencyMs: 160 });
    assert.equal(alerts.activeAlerts()[0]!.severity, 'medium');
    const third = await alerts.evaluate({ latencyMs: 170 });
    assert.deepEqual(third.escalated.map((a) => [a.severity, a.baseSeverity]), [['high', 'medium']]);
    for (let i = 0; i < 6; i++) await alerts.evaluate({ latencyMs: 180 + i });
    assert.equal(alerts.activeAlerts()[0]!.severity, 'high', 'capped at maxSeverity');
    assert.deepEqual(notifier.events.map((e) => `${e.type}:${e.alert.severity}`), ['alert.triggered:medium', 'alert.escalated:high']);
  });

  it('escalates after afterMs at one severity', async () => {
    const notifier = recordingNotifier();
    const alerts = new AlertManager({ notifier, rules: [rule], anomaly: false, escalation: { afterMs: 30 } });
    await alerts.evaluate({ latencyMs: 150 });
    const started = Date.now();
    // Bounded polling on the clock the manager reads.
    while (Date.now() - started < 40) await new Promise((resolve) => setImmediate(resolve));
    const later = await alerts.evaluate({ latencyMs: 150 });
    assert.deepEqual(later.escalated.map((a) => a.severity), ['high']);
  });

  it('steps down when the value improves, never below the rule severity, then resolves once', async () => {
    const notifier = recordingNotifier();
    const alerts = new AlertManager({ notifier, rules: [rule], anomaly: false, escalation: { afterCount: 1, improvement: 0.25 } });
    await alerts.evaluate({ latencyMs: 200 }); // medium, margin 100
    await alerts.evaluate({ latencyMs: 200 }); // → high (margin 100)
    await alerts.evaluate({ latencyMs: 300 }); // → critical (margin 200)
    assert.equal(alerts.activeAlerts()[0]!.severity, 'critical');
    const better = await alerts.evaluate({ latencyMs: 200 }); // margin 100 ≤ 200 × 0.75
    assert.deepEqual(better.deescalated.map((a) => a.severity), ['high']);
    const evenBetter = await alerts.evaluate({ latencyMs: 120 }); // margin 20 ≤ 100 × 0.75
    assert.deepEqual(evenBetter.deescalated.map((a) => a.severity), ['medium']);
    const flat = await alerts.evaluate({ latencyMs: 101 });
    assert.deepEqual(flat.deescalated, [], 'never below the rule severity');
    assert.deepEqual(flat.escalated.map((a) => a.severity), ['high'], 'still active after afterCount: up again');
    const cleared = await alerts.evaluate({ latencyMs: 50 });
    assert.equal(cleared.resolved.length, 1);
    assert.deepEqual(notifier.events.map((e) => `${e.type}:${e.alert.severity}`), [
      'alert.triggered:medium', 'alert.escalated:high', 'alert.escalated:critical',
      'alert.deescalated:high', 'alert.deescalated:medium', 'alert.escalated:high', 'alert.resolved:high',
    ]);
  });

  it('needs afterMs or afterCount, and logs escalations at the new severity', async () => {
    assert.throws(() => new AlertManager({ escalation: {} }), ConfigError);
    const lines: [string, string][] = [];
    const logger = { error: (m: string) => void lines.push(['error', m]), warn: (m: string) => void lines.push(['warn', m]), info: (m: string) => void lines.push(['info', m]) };
    const alerts = new AlertManager({ notifier: loggerNotifier(logger), rules: [{ ...rule, severity: 'low' }], anomaly: false, escalation: { afterCount: 1 } });
    await alerts.evaluate({ latencyMs: 300 });
    await alerts.evaluate({ latencyMs: 300 });
    assert.deepEqual(lines.map(([level]) => level), ['info', 'warn']);
    assert.match(lines[1]![1], /escalated to medium/);
  });
});
