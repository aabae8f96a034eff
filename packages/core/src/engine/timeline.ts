import { describe, InvalidInputError } from '../contract/errors.js';
import { DurationSketch, exactPercentiles } from '../contract/sketch.js';
import { formatEpochMs, timestampToEpochMs, toCanonicalTimestamp } from '../contract/time.js';
import type { Invocation, TimelineBucket, TimelineBucketSize, TimelineOptions } from '../contract/types.js';
import { checkOptions } from './checks.js';
import { countedDuration } from './totals.js';

/**
 * Timelines: which UTC buckets a range covers, and how finished invocations add up in a bucket —
 * from stored bucket rows with their duration sketches, or from the invocations themselves.
 */

export const HOUR_MS = 3_600_000;
const BUCKET_MS: Readonly<Record<string, number>> = { hour: HOUR_MS, day: 24 * HOUR_MS };
const DEFAULT_SPAN: Readonly<Record<string, number>> = { hour: 24, day: 30 };
const TIMELINE_OPTIONS: ReadonlySet<string> = new Set(['since', 'until', 'bucket']);
/** More buckets than this is almost surely a mistake (417 days of hours). */
export const MAX_TIMELINE_BUCKETS = 10_000;

export interface TimelineRange {
  bucket: TimelineBucketSize;
  /** Canonical start of the first bucket (inclusive). */
  since: string;
  /** Canonical end of the last bucket (exclusive). */
  until: string;
  /** Canonical start of every bucket, in order. */
  starts: string[];
}

/** Checks timeline options and settles the buckets they cover. */
export function timelineRange(options: TimelineOptions = {}, nowMs = Date.now()): TimelineRange {
  checkOptions(options, 'options', TIMELINE_OPTIONS);
  const bucket = options.bucket ?? 'hour';
  const width = Object.hasOwn(BUCKET_MS, bucket) ? BUCKET_MS[bucket] : undefined;
  if (width === undefined) throw new InvalidInputError('bucket', `must be 'hour' or 'day', got ${describe(bucket)}`);
  const untilMs =
    options.until === undefined ? nowMs : timestampToEpochMs(toCanonicalTimestamp(options.until, { field: 'until' }));
  const end = Math.ceil(untilMs / width) * width;
  const start =
    options.since === undefined
      ? end - (DEFAULT_SPAN[bucket] as number) * width
      : Math.floor(timestampToEpochMs(toCanonicalTimestamp(options.since, { field: 'since' })) / width) * width;
  if (start >= end) throw new InvalidInputError('since', 'must be before until');
  const count = (end - start) / width;
  if (count > MAX_TIMELINE_BUCKETS) {
    throw new InvalidInputError(
      'since',
      `gives ${count} ${bucket} buckets; at most ${MAX_TIMELINE_BUCKETS} are allowed`,
    );
  }
  const starts = Array.from({ length: count }, (_, i) => formatEpochMs(start + i * width));
  return { bucket, since: formatEpochMs(start), until: formatEpochMs(end), starts };
}

/** The start of the UTC hour (or day) a canonical timestamp falls in, canonical. */
export function bucketStartOf(canonical: string, bucket: TimelineBucketSize = 'hour'): string {
  return bucket === 'hour' ? `${canonical.slice(0, 13)}:00:00.000000Z` : `${canonical.slice(0, 10)}T00:00:00.000000Z`;
}

/** The end of the bucket starting at `bucketStart` (exclusive), canonical. */
export function bucketEndOf(bucketStart: string, bucket: TimelineBucketSize): string {
  return formatEpochMs(timestampToEpochMs(bucketStart) + (BUCKET_MS[bucket] as number));
}

/** One bucket's totals as a store keeps them: counts, the completed durations' sum and their sketch. */
export interface BucketTotals {
  bucketStart: string;
  invocations: number;
  completed: number;
  abandoned: number;
  totalDurationSeconds: number;
  /** Of completed durations; null when there is none. */
  durationSketch: Uint8Array | null;
}

/** A bucket's totals as a row is read: start, invocations, completed, abandoned, total duration, sketch. */
export type BucketRow = readonly [string, number, number, number, number, Uint8Array | null];

/** Totals of one bucket from its finished invocations, each given as `[completed, durationSeconds]`. */
export function sumFinished(
  bucketStart: string,
  finished: Iterable<readonly [boolean | 0 | 1, number | null]>,
): BucketTotals {
  const t = { bucketStart, invocations: 0, completed: 0, abandoned: 0, totalDurationSeconds: 0 };
  const durations: number[] = [];
  for (const [completed, durationSeconds] of finished) {
    t.invocations += 1;
    if (!completed) {
      t.abandoned += 1;
      continue;
    }
    t.completed += 1;
    t.totalDurationSeconds += countedDuration({ completed: true, durationSeconds });
    if (durationSeconds !== null) durations.push(durationSeconds);
  }
  const sketch = DurationSketch.of(durations);
  return { ...t, durationSketch: sketch.count > 0 ? sketch.encode() : null };
}

/** Totals of one bucket summed from rows of smaller buckets (or of every skill). */
export function sumRows(bucketStart: string, rows: Iterable<BucketRow>): BucketTotals {
  const t = { bucketStart, invocations: 0, completed: 0, abandoned: 0, totalDurationSeconds: 0 };
  const sketches: Uint8Array[] = [];
  for (const [, invocations, completed, abandoned, duration, sketch] of rows) {
    t.invocations += invocations;
    t.completed += completed;
    t.abandoned += abandoned;
    t.totalDurationSeconds += duration;
    if (sketch) sketches.push(sketch);
  }
  return { ...t, durationSketch: sketches.length > 0 ? DurationSketch.sum(sketches).encode() : null };
}

export function toBucketRow(t: BucketTotals): BucketRow {
  return [t.bucketStart, t.invocations, t.completed, t.abandoned, t.totalDurationSeconds, t.durationSketch];
}

/** Every bucket of `range` from stored rows (rows of one bucket, several skills' or hours', add up). */
export function timelineFromRows(range: TimelineRange, rows: Iterable<BucketRow>): TimelineBucket[] {
  const index = new Map(range.starts.map((start, i) => [start, i]));
  const acc = range.starts.map(() => ({ n: 0, completed: 0, abandoned: 0, duration: 0, sketches: [] as Uint8Array[] }));
  for (const [bucketStart, invocations, completed, abandoned, duration, sketch] of rows) {
    const a = acc[index.get(bucketStartOf(bucketStart, range.bucket)) ?? -1];
    if (!a) continue;
    a.n += invocations;
    a.completed += completed;
    a.abandoned += abandoned;
    a.duration += duration;
    if (sketch) a.sketches.push(sketch);
  }
  return range.starts.map((bucketStart, i) => {
    const a = acc[i] as (typeof acc)[number];
    const p95 = a.sketches.length > 0 ? DurationSketch.quantilesOfSum(a.sketches, [0.95])[0] : null;
    return timelineBucket(bucketStart, a.n, a.completed, a.abandoned, a.duration, p95 ?? null);
  });
}

/** Every bucket of `range` from finished invocations, with the exact p95 of each. */
export function timelineFromInvocations(range: TimelineRange, finished: Iterable<Invocation>): TimelineBucket[] {
  const index = new Map(range.starts.map((start, i) => [start, i]));
  const acc = range.starts.map(() => ({ n: 0, completed: 0, duration: 0, durations: [] as number[] }));
  for (const inv of finished) {
    if (inv.invokedAt < range.since || inv.invokedAt >= range.until) continue;
    const a = acc[index.get(bucketStartOf(inv.invokedAt, range.bucket)) ?? -1];
    if (!a) continue;
    a.n += 1;
    if (!inv.completed) continue;
    a.completed += 1;
    a.duration += countedDuration(inv);
    if (inv.durationSeconds !== null) a.durations.push(inv.durationSeconds);
  }
  return range.starts.map((bucketStart, i) => {
    const a = acc[i] as (typeof acc)[number];
    const [p95] = exactPercentiles(a.durations, [0.95]);
    return timelineBucket(bucketStart, a.n, a.completed, a.n - a.completed, a.duration, p95 ?? null);
  });
}

function timelineBucket(
  bucketStart: string,
  invocations: number,
  completed: number,
  abandoned: number,
  duration: number,
  p95: number | null,
): TimelineBucket {
  return {
    bucketStart,
    invocations,
    completed,
    abandoned,
    avgDurationSeconds: completed > 0 ? duration / completed : null,
    p95DurationSeconds: p95,
  };
}
