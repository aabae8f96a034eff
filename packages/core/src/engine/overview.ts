import type { SkillOverview } from '../contract/types.js';
import { compareText } from './text.js';

/**
 * `getSkillOverview` from every skill's totals (as overviews with no pending count yet, in any
 * order) and the pending count of each skill that has one: the counts set in place, a skill with
 * only pending invocations added, all by name in code-point order.
 */
export function withPendingCounts(totals: SkillOverview[], pending: ReadonlyMap<string, number>): SkillOverview[] {
  const unmatched = new Map(pending);
  for (const t of totals) {
    const n = unmatched.get(t.skillName);
    if (n === undefined) continue;
    t.pendingInvocations = n;
    unmatched.delete(t.skillName);
  }
  for (const [skillName, pendingInvocations] of unmatched) {
    totals.push({
      skillName,
      completedInvocations: 0,
      abandonedInvocations: 0,
      pendingInvocations,
      totalDurationSeconds: 0,
      p50DurationSeconds: null,
      p95DurationSeconds: null,
      p99DurationSeconds: null,
    });
  }
  return totals.sort((a, b) => compareText(a.skillName, b.skillName));
}
