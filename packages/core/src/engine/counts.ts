import type { SkillTotals } from './totals.js';
import type { TotalsUpdate } from './update.js';

/** A skill's counts by workflow path, error type and follow-up action. */
export type SkillCounts = Pick<SkillTotals, 'workflowPaths' | 'commonErrors' | 'followUpActions'>;

interface Held {
  total: number;
  paths: Map<string, number>;
  errors: Map<string, number>;
  actions: Map<string, number>;
  /** What readers are handed: a frozen copy, made again only after the counts change. */
  snapshot: SkillCounts | null;
}

/**
 * Each skill's counts as last read — a skill with 20,000 error types reads them once, not on every
 * `getSkillMetrics` — held while the skill's total is the one they were read at: every count grows
 * with the total, in the same transaction, so an unchanged total means unchanged counts, and another
 * process's write shows as a changed total. This store's own writes are added in place, once they
 * have committed; readers get a frozen copy. A database store reads the counts with the total that
 * they are held at, in one snapshot.
 */
export class CountCache {
  readonly #bySkill = new Map<string, Held>();

  /** The counts at `total`, if they are the ones held. */
  held(skillName: string, total: number): SkillCounts | undefined {
    const held = this.#bySkill.get(skillName);
    return held?.total === total ? snapshotOf(held) : undefined;
  }

  /** Holds the skill's counts as read at `total` (by path; by kind and key) and gives them. */
  hold(
    skillName: string,
    total: number,
    paths: Iterable<readonly [string, number]>,
    keyCounts: Iterable<readonly ['error' | 'action', string, number]>,
  ): SkillCounts {
    const held: Held = { total, paths: new Map(paths), errors: new Map(), actions: new Map(), snapshot: null };
    for (const [kind, key, count] of keyCounts) (kind === 'error' ? held.errors : held.actions).set(key, count);
    this.#bySkill.set(skillName, held);
    return snapshotOf(held);
  }

  /**
   * Adds a committed write's counts to each skill held at the total it had before the write
   * (`before`); forgets a skill held at another.
   */
  add(update: TotalsUpdate, before: ReadonlyMap<string, number>): void {
    for (const row of update.skills) {
      const held = this.#bySkill.get(row.skillName);
      if (!held) continue;
      if (held.total !== before.get(row.skillName)) this.#bySkill.delete(row.skillName);
      else {
        held.total = row.totalInvocations;
        held.snapshot = null;
      }
    }
    for (const [deltas, kind] of [
      [update.paths, 'paths'],
      [update.errors, 'errors'],
      [update.actions, 'actions'],
    ] as const) {
      for (const [skillName, key, by] of deltas) {
        const counts = this.#bySkill.get(skillName)?.[kind];
        counts?.set(key, (counts.get(key) ?? 0) + by);
      }
    }
  }
}

function snapshotOf(held: Held): SkillCounts {
  // Object.fromEntries defines each key as an own property, `__proto__` included.
  held.snapshot ??= Object.freeze({
    workflowPaths: Object.freeze(Object.fromEntries(held.paths)),
    commonErrors: Object.freeze(Object.fromEntries(held.errors)),
    followUpActions: Object.freeze(Object.fromEntries(held.actions)),
  });
  return held.snapshot;
}
