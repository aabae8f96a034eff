import { InvalidInputError } from './errors.js';
import { formatEpochMs, timestampToEpochMs, toCanonicalTimestamp } from './time.js';
import type { TimelineBucketSize, TimelineOptions } from './types.js';

const HOUR_MS = 3_600_000;
const BUCKET_MS: Record<TimelineBucketSize, number> = { hour: HOUR_MS, day: 24 * HOUR_MS };
const DEFAULT_SPAN: Record<TimelineBucketSize, number> = { hour: 24, day: 30 };
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
  if (options === null || typeof options !== 'object') throw new InvalidInputError('options', 'must be an object');
  const bucket = options.bucket ?? 'hour';
  const width = BUCKET_MS[bucket];
  if (width === undefined)
    throw new InvalidInputError('bucket', `must be 'hour' or 'day', got ${JSON.stringify(bucket)}`);
  const untilMs =
    options.until === undefined ? nowMs : timestampToEpochMs(toCanonicalTimestamp(options.until, { field: 'until' }));
  const end = Math.ceil(untilMs / width) * width;
  const start =
    options.since === undefined
      ? end - DEFAULT_SPAN[bucket] * width
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
