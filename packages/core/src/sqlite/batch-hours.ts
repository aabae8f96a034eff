import type Database from 'better-sqlite3';
import type { RecordResult } from '../contract/types.js';
import type { CheckedInvocation } from '../engine/record.js';
import { compareText } from '../engine/text.js';
import { type BucketTotals, bucketEndOf, sumFinished } from '../engine/timeline.js';
import { hourTotals } from './buckets.js';
import type { Statements } from './statements.js';

/** The order of the table's index on (skill, start, id). */
const byStartThenId = (a: CheckedInvocation, b: CheckedInvocation) =>
  compareText(a.invokedAt, b.invokedAt) || compareText(a.id, b.id);

/**
 * An hour's totals are summed from its invocations when it closes. Within an import, most hours a
 * batch closes hold that batch's new invocations and nothing else: those are summed from the batch
 * in memory, in the order the table's index gives them (so that every sum is the very same), and
 * only the other hours are read back from the table.
 */
export class BatchHours {
  /** The batch's new invocations, by skill and hour (its first 13 characters, `2026-11-26T10`). */
  readonly #inserted = new Map<string, CheckedInvocation[]>();

  constructor(
    readonly statements: Statements,
    readonly countInHour: Database.Statement<[string, string, string], number>,
    batch: readonly CheckedInvocation[],
    results: readonly RecordResult[],
  ) {
    for (let i = 0; i < batch.length; i++) {
      if ((results[i] as RecordResult).outcome !== 'inserted') continue;
      const item = batch[i] as CheckedInvocation;
      const key = `${item.skillName}\u0000${item.invokedAt.slice(0, 13)}`; // the hour, as in bucketStartOf
      const list = this.#inserted.get(key);
      if (list) list.push(item);
      else this.#inserted.set(key, [item]);
    }
  }

  /** One skill's totals for one hour: from the batch when it holds every invocation of the hour. */
  totals(skillName: string, hour: string): BucketTotals {
    const own = this.#inserted.get(`${skillName}\u0000${hour.slice(0, 13)}`);
    if (own && this.countInHour.get(skillName, hour, bucketEndOf(hour, 'hour')) === own.length) {
      const finished = own.filter((inv) => inv.status !== 'pending');
      // A file's invocations mostly come in the order they started: sorted already, as a rule.
      if (!finished.every((inv, i) => i === 0 || byStartThenId(finished[i - 1] as CheckedInvocation, inv) < 0)) {
        finished.sort(byStartThenId);
      }
      return sumFinished(
        hour,
        finished.map((inv) => [inv.completed, inv.durationSeconds] as const),
      );
    }
    return hourTotals(this.statements, skillName, hour);
  }
}
