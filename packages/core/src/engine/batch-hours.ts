import type { RecordResult } from '../contract/types.js';
import type { CheckedInvocation } from './record.js';
import { compareText } from './text.js';
import { type BucketTotals, bucketStartOf, sumFinished } from './timeline.js';

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
 * only the other hours are read back from the table. A database store reads each skill's latest
 * start before the batch is written: an hour after it holds nothing else.
 */
export class BatchHours {
  /** Skill → hour start → the batch's new invocations of that hour. */
  readonly #groups = new Map<string, Map<string, HourGroup>>();
  /** Skill → the latest start stored before the batch (null: none), read as the batch begins. */
  readonly #latestBefore: ReadonlyMap<string, string | null>;

  /** `latestBefore`: each skill's latest start stored (null: none), read in the batch's transaction before it is written. */
  constructor(latestBefore: ReadonlyMap<string, string | null>) {
    this.#latestBefore = latestBefore;
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

  /**
   * One skill's totals for one hour, summed from the batch when it holds every invocation of the
   * hour: nothing was stored from the hour's start on, or `holdsAll(inserted)` (given how many the
   * batch inserted into the hour) says so. Null when the hour must be read back.
   */
  fromBatch(skillName: string, hour: string, holdsAll?: (inserted: number) => boolean): BucketTotals | null {
    const group = this.#groups.get(skillName)?.get(hour);
    if (!group) return null;
    const latest = this.#latestBefore.get(skillName);
    const alone = latest === null || (latest !== undefined && latest < hour) || holdsAll?.(group.inserted) === true;
    if (!alone) return null;
    if (!group.ordered) {
      group.finished.sort(byStartThenId);
      group.ordered = true;
    }
    return sumFinished(
      hour,
      group.finished.map((inv) => [inv.completed, inv.durationSeconds] as const),
    );
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
}
