/**
 * `hitAll()` where the store cannot check every key in one atomic step: a store without
 * `hitAll`, or a Redis Cluster whose keys live in different slots. Each group (one key, or one
 * slot) is checked atomically, one group after the other in the order of the checks; at the
 * first group that denies, the groups charged before it are refunded and the groups after it
 * are only read (not charged). That is the best possible without cross-slot atomicity: the
 * outcome is all or nothing, but between a charge and its refund concurrent checks of those
 * keys see the units as used (they may be denied where an atomic check would have let them
 * through; never the other way). In order, not all at once: concurrent sets then queue at the
 * first group instead of each charging a different group and all refunding (a livelock that
 * let none through under 4 processes × 200 concurrent sets). One round trip per group. Checks
 * of one client key (several windows or limits) share a hash tag, so they need one step only.
 */
import type { StoreCheckResult, StoreMultiCheck } from './types.js';

/** A group of checks that one call answers all or nothing. */
export interface CheckGroup {
  /** Positions of the group's checks in the whole list (ascending). */
  indexes: number[];
  run: () => Promise<StoreCheckResult[]>;
}

/** Runs the groups in order; at a denial, refunds the charged ones and reads the rest. Answers in list order. */
export async function hitAllInGroups(
  checks: readonly StoreMultiCheck[],
  groups: readonly CheckGroup[],
  refund: (check: StoreMultiCheck) => Promise<unknown>,
  read: (check: StoreMultiCheck) => Promise<StoreCheckResult>,
): Promise<StoreCheckResult[]> {
  const answers = new Array<StoreCheckResult>(checks.length);
  const ordered = [...groups].sort((a, b) => a.indexes[0]! - b.indexes[0]!);
  const charged: CheckGroup[] = [];
  let at = 0;
  try {
    for (; at < ordered.length; at++) {
      const group = ordered[at]!;
      const results = await group.run();
      group.indexes.forEach((position, i) => {
        answers[position] = results[i]!;
      });
      if (!results.every((r) => r.allowed)) break;
      charged.push(group);
    }
  } catch (error) {
    await Promise.allSettled(charged.flatMap((group) => group.indexes.map((position) => refund(checks[position]!))));
    throw error;
  }
  if (charged.length === ordered.length) return answers;
  // a denial: nothing may stay charged; the groups after it are looked at, not charged
  await Promise.all([
    ...charged.flatMap((group) => group.indexes.map((position) => refund(checks[position]!))),
    ...ordered.slice(at + 1).flatMap((group) => group.indexes.map(async (position) => {
      answers[position] = await read(checks[position]!);
    })),
  ]);
  return answers;
}

/** A read-only look as a check's answer (whether `cost` would fit now). */
export function lookAsAnswer(look: { remaining: number; resetAfterMs: number }, cost: number): StoreCheckResult {
  const fits = look.remaining >= cost;
  return { allowed: fits, remaining: look.remaining, retryAfterMs: fits ? 0 : Math.max(1, look.resetAfterMs), resetAfterMs: look.resetAfterMs };
}
