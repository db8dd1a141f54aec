/**
 * `hitAll()` where the store cannot check every key in one atomic step: a store without
 * `hitAll`, or a Redis Cluster whose keys live in different slots. Each group (one key, or one
 * slot) is checked atomically, all groups at once; if any denies, the groups that were charged
 * are refunded. That is the best possible without cross-slot atomicity: the outcome is all or
 * nothing, but for the moment between the charge and the refund, concurrent checks of those
 * keys see the units as used (they may be denied where an atomic check would have let them
 * through; never the other way). Give the keys one hash tag to get one atomic step instead.
 */
import type { StoreCheckResult, StoreMultiCheck } from './types.js';

/** A group of checks that one call answers all or nothing. */
export interface CheckGroup {
  /** Positions of the group's checks in the whole list. */
  indexes: number[];
  run: () => Promise<StoreCheckResult[]>;
}

/** Runs every group; on any denial refunds each charged group's checks. Answers in list order. */
export async function hitAllInGroups(
  checks: readonly StoreMultiCheck[],
  groups: readonly CheckGroup[],
  refund: (check: StoreMultiCheck) => Promise<unknown>,
): Promise<StoreCheckResult[]> {
  const answers = new Array<StoreCheckResult>(checks.length);
  const settled = await Promise.allSettled(groups.map(async (group) => {
    const results = await group.run();
    group.indexes.forEach((at, i) => {
      answers[at] = results[i]!;
    });
    return results.every((r) => r.allowed);
  }));
  const charged = groups.filter((_, i) => settled[i]!.status === 'fulfilled' && (settled[i] as PromiseFulfilledResult<boolean>).value);
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure === undefined && charged.length === groups.length) return answers;
  // a denial or a failure: nothing may stay charged
  await Promise.all(charged.flatMap((group) => group.indexes.map((at) => refund(checks[at]!))));
  if (failure !== undefined) throw failure.reason;
  return answers;
}
