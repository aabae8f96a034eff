import { type BucketRow, type BucketTotals, bucketEndOf, sumFinished, sumRows } from '../engine/timeline.js';
import { ALL_SKILLS, type Statements, timelineKey } from './statements.js';

/** Writing the timeline tables: a bucket's row is always summed again from its source, never added to. */

export function putBucket(s: Statements, table: 'hour' | 'day', skillName: string, totals: BucketTotals): void {
  s.timeline[table].put.run({ skillName: timelineKey(skillName), ...totals });
}

/** One skill's totals for one hour, summed from its invocations. */
export function hourTotals(s: Statements, skillName: string, hour: string): BucketTotals {
  const until = bucketEndOf(hour, 'hour');
  return sumFinished(hour, s.finishedBetween({ skillName, since: hour, until }));
}

/** One skill's stored hours of one day. */
export function hoursOfDay(s: Statements, skillName: string, day: string): BucketRow[] {
  return s.timeline.hour.ofSkill({
    skillName: timelineKey(skillName) as string,
    since: day,
    until: bucketEndOf(day, 'day'),
  });
}

/** Sums these hours (sorted), then these days, over every skill, from each skill's rows. */
export function sumEverySkill(s: Statements, hours: Iterable<string>, days: Iterable<string>): void {
  const put = (table: 'hour' | 'day', totals: BucketTotals) =>
    s.timeline[table].put.run({ skillName: ALL_SKILLS, ...totals });
  for (const hour of hours) put('hour', sumRows(hour, s.hourOfEverySkill({ bucketStart: hour })));
  for (const day of days) {
    put(
      'day',
      sumRows(day, s.timeline.hour.ofSkill({ skillName: ALL_SKILLS, since: day, until: bucketEndOf(day, 'day') })),
    );
  }
}
