import type Database from 'better-sqlite3';
import type { RecordResult } from '../contract/types.js';
import type { CheckedInvocation } from '../engine/record.js';
import { compareText } from '../engine/text.js';
import { type BucketTotals, bucketEndOf, bucketStartOf, sumFinished } from '../engine/timeline.js';
import { hourTotals } from './buckets.js';
import type { Statements } from './statements.js';

/** A batch's new invocations of one skill and hour: how many, and the finished ones as summed. */
interface HourGroup {
  /** The hour's first 13 characters (`2026-11-26T10`), as in `bucketStartOf`. */
  readonly prefix: string;
  inserted: number;
  readonly finished: CheckedInvocation[];
  /** Whether `finished` is in the order of the table's index on (skill, start, id). */
  ordered: boolean;
}

/** The order of the table's index; canonical times are ASCII, where `<` is already code-point order. */
const byStartThenId = (a: CheckedInvocation, b: CheckedInvocation) =>
  a.invokedAt < b.invokedAt ? -1 : a.invokedAt > b.invokedAt ? 1 : compareText(a.id, b.id);

/**
 * An hour's totals are summed from its invocations when it closes. Within an import, most hours a
 * batch closes hold that batch's new invocations and nothing else: those are summed from the batch
 * in memory, in the order the table's index gives them (so that every sum is the very same), and
 * only the other hours are read back from the table.
 */
export class BatchHours {
  /** Skill → hour start → the batch's new invocations of that hour. */
  readonly #groups = new Map<string, Map<string, HourGroup>>();
  /** Skill → the latest start stored before the batch (null: none), read as the batch begins. */
  readonly #latestBefore: ReadonlyMap<string, string | null>;

  /** To be made inside the batch's transaction, before the batch is written. */
  constructor(
    readonly statements: Statements,
    readonly countInHour: Database.Statement<[string, string, string], number>,
    latestStart: Database.Statement<[string], string | null>,
    batch: readonly CheckedInvocation[],
  ) {
    const latest = new Map<string, string | null>();
    for (const item of batch)
      if (!latest.has(item.skillName)) latest.set(item.skillName, latestStart.get(item.skillName) ?? null);
    this.#latestBefore = latest;
  }

  /** Takes in what the batch inserted (`results[i]` is the outcome of `batch[i]`). */
  add(batch: readonly CheckedInvocation[], results: readonly RecordResult[]): void {
    // A file's invocations mostly come in the order they started: each skill's last group, kept
    // at hand, takes most of them without a lookup.
    const last = new Map<string, HourGroup>();
    for (let i = 0; i < batch.length; i++) {
      if ((results[i] as RecordResult).outcome !== 'inserted') continue;
      const item = batch[i] as CheckedInvocation;
      let group = last.get(item.skillName);
      if (!group || !item.invokedAt.startsWith(group.prefix)) {
        group = this.#group(item);
        last.set(item.skillName, group);
      }
      group.inserted += 1;
      if (item.status === 'pending') continue;
      const previous = group.finished[group.finished.length - 1];
      if (previous && group.ordered && byStartThenId(previous, item) >= 0) group.ordered = false;
      group.finished.push(item);
    }
  }

  /** One skill's totals for one hour: from the batch when it holds every invocation of the hour. */
  totals(skillName: string, hour: string): BucketTotals {
    const group = this.#groups.get(skillName)?.get(hour);
    if (group && this.#onlyNew(skillName, hour, group)) {
      if (!group.ordered) {
        group.finished.sort(byStartThenId);
        group.ordered = true;
      }
      return sumFinished(
        hour,
        group.finished.map((inv) => [inv.completed, inv.durationSeconds] as const),
      );
    }
    return hourTotals(this.statements, skillName, hour);
  }

  #group(item: CheckedInvocation): HourGroup {
    let hours = this.#groups.get(item.skillName);
    if (!hours) {
      hours = new Map();
      this.#groups.set(item.skillName, hours);
    }
    const hour = bucketStartOf(item.invokedAt);
    let group = hours.get(hour);
    if (!group) {
      group = { prefix: item.invokedAt.slice(0, 13), inserted: 0, finished: [], ordered: true };
      hours.set(hour, group);
    }
    return group;
  }

  /** Whether the hour holds the batch's new invocations and no other. */
  #onlyNew(skillName: string, hour: string, group: HourGroup): boolean {
    const latest = this.#latestBefore.get(skillName);
    // Nothing stored from this hour on: the hour is the batch's alone, with no need to count.
    if (latest === null || (latest !== undefined && latest < hour)) return true;
    return this.countInHour.get(skillName, hour, bucketEndOf(hour, 'hour')) === group.inserted;
  }
}
