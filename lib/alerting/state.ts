/**
 * The life of one alert as a pure function: what a replica's observation ("the condition holds
 * here" / "it cleared here") does to the shared state, and which event, if any, it produces.
 * The stores apply it atomically (compare-and-set), so of N replicas observing the same
 * incident exactly one produces each event: one `triggered`, one `escalated` per step, one
 * `resolved`.
 */
import type { Alert, AlertEvent, AlertSeverity } from './types.js';

export const SEVERITIES: readonly AlertSeverity[] = ['low', 'medium', 'high', 'critical'];

/** Escalation policy (see `AlertManagerOptions.escalation`). */
export interface EscalationPolicy {
  afterMs?: number;
  afterCount?: number;
  maxSeverity: AlertSeverity;
  deescalate: boolean;
  improvement: number;
}

/** What is stored per active alert. */
export interface AlertState {
  alert: Alert;
  /** Replica id → last time (ms) the condition held there. */
  holders: Record<string, number>;
  /** When the alert triggered or last changed severity (ms), and its count then. */
  changedAt: number;
  changedCount: number;
  /** How far past its threshold the value was at the last severity change. */
  refMargin: number;
}

/** One replica's observation of one condition. */
export interface Observation {
  holds: boolean;
  replica: string;
  now: number;
  /** The alert as this observation sees it (fields of the condition, without counters). */
  fields?: Omit<Alert, 'count' | 'firstSeen' | 'lastSeen' | 'status' | 'baseSeverity'>;
}

export interface TransitionPolicy {
  escalation: EscalationPolicy | null;
  /** A holder not heard from for this long no longer keeps the alert active (a dead replica). */
  staleAfterMs: number;
}

export interface Transition {
  next: AlertState | null;
  event?: AlertEvent['type'];
}

const margin = (alert: Pick<Alert, 'value' | 'threshold'>) => Math.abs(alert.value - alert.threshold);

function purgeStale(holders: Record<string, number>, now: number, staleAfterMs: number): Record<string, number> {
  const kept: Record<string, number> = {};
  for (const [replica, at] of Object.entries(holders)) if (now - at <= staleAfterMs) kept[replica] = at;
  return kept;
}

function stepSeverity(state: AlertState, policy: EscalationPolicy, now: number): AlertEvent['type'] | undefined {
  const { alert } = state;
  const level = SEVERITIES.indexOf(alert.severity);
  const base = SEVERITIES.indexOf(alert.baseSeverity ?? alert.severity);
  const due = (policy.afterCount !== undefined && alert.count - state.changedCount >= policy.afterCount)
    || (policy.afterMs !== undefined && now - state.changedAt >= policy.afterMs);
  let event: AlertEvent['type'] | undefined;
  // An improving value steps down first: it is not the moment to escalate.
  if (policy.deescalate && level > base && margin(alert) <= state.refMargin * (1 - policy.improvement)) {
    alert.severity = SEVERITIES[level - 1]!;
    event = 'alert.deescalated';
  } else if (due && level < SEVERITIES.indexOf(policy.maxSeverity)) {
    alert.severity = SEVERITIES[level + 1]!;
    event = 'alert.escalated';
  }
  if (event) {
    state.changedAt = now;
    state.changedCount = alert.count;
    state.refMargin = margin(alert);
  }
  return event;
}

/** Applies one observation to the stored state (`prev` is not modified). */
export function transition(prev: AlertState | null, obs: Observation, policy: TransitionPolicy): Transition {
  const at = new Date(obs.now).toISOString();
  if (!obs.holds) {
    if (!prev) return { next: null };
    const holders = purgeStale(prev.holders, obs.now, policy.staleAfterMs);
    delete holders[obs.replica];
    if (Object.keys(holders).length > 0) return { next: { ...structuredClone(prev), holders } };
    return { next: null, event: 'alert.resolved' };
  }
  const fields = obs.fields!;
  if (!prev) {
    const alert: Alert = { ...fields, baseSeverity: fields.severity, status: 'active', count: 1, firstSeen: at, lastSeen: at };
    return { next: { alert, holders: { [obs.replica]: obs.now }, changedAt: obs.now, changedCount: 1, refMargin: margin(alert) }, event: 'alert.triggered' };
  }
  const next = structuredClone(prev);
  const { alert } = next;
  alert.count += 1;
  alert.lastSeen = at;
  alert.value = fields.value;
  alert.message = fields.message;
  alert.threshold = fields.threshold;
  if (fields.baseline) alert.baseline = fields.baseline;
  next.holders = purgeStale(next.holders, obs.now, policy.staleAfterMs);
  next.holders[obs.replica] = obs.now;
  const event = policy.escalation ? stepSeverity(next, policy.escalation, obs.now) : undefined;
  return event ? { next, event } : { next };
}
