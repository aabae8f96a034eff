import {
  type AnalyticsStore,
  bucketEndOf,
  bucketStartOf,
  byCountDesc,
  formatEpochMs,
  HOUR_MS,
  MAX_TIMELINE_BUCKETS,
  type MetricsSummary,
  nowTimestamp,
  type SkillMetrics,
  type TimelineBucket,
  type TimelineBucketSize,
  type TimelineOptions,
  timestampToEpochMs,
} from '@skill-metrics/core';

/** Up to this many hours of data are drawn hour by hour; a longer span, day by day. */
export const HOURLY_SPAN_LIMIT_HOURS = 72;
/** How many workflow paths, errors and follow-up actions the page lists. */
export const TOP_COUNT = 10;

/** Finished invocations over time, as the store's timeline gives them. */
export interface ReportTimeline {
  bucket: TimelineBucketSize;
  /** Every bucket from the first finished invocation's to the last one's, empty ones included. */
  buckets: TimelineBucket[];
  /** Finished invocations outside the buckets (older than the most buckets a timeline may have). */
  notShown: number;
}

/** Everything the report page shows, read from one store. */
export interface ReportFigures {
  generatedAt: string;
  summary: MetricsSummary;
  /** Most used first. */
  skills: SkillMetrics[];
  /** `null` when nothing has finished yet. */
  timeline: ReportTimeline | null;
  /** Summed over every skill, most used first, at most `TOP_COUNT` of each. */
  workflowPaths: Array<[string, number]>;
  errors: Array<[string, number]>;
  followUpActions: Array<[string, number]>;
}

/** Reads the figures of the report page from a store. */
export async function gatherReportFigures(store: AnalyticsStore): Promise<ReportFigures> {
  const summary = await store.getSummary();
  const skills = [...(await store.getAllMetrics()).values()];
  const range = timelineRangeOf(skills);
  let timeline: ReportTimeline | null = null;
  if (range) {
    const buckets = await store.getTimeline(range);
    const shown = buckets.reduce((sum, b) => sum + b.invocations, 0);
    timeline = { bucket: range.bucket, buckets, notShown: Math.max(0, summary.totalInvocations - shown) };
  }
  return {
    generatedAt: nowTimestamp(),
    summary,
    skills,
    timeline,
    workflowPaths: topCounts(skills.map((m) => m.workflowPaths)),
    errors: topCounts(skills.map((m) => m.commonErrors)),
    followUpActions: topCounts(skills.map((m) => m.followUpActions)),
  };
}

/**
 * The timeline that covers every finished invocation: from the bucket of the earliest to the end
 * of the bucket of the latest, by hour when that is a short span, else by day (the latest days
 * when there are more than a timeline may hold). `null` when no skill has finished invocations.
 */
export function timelineRangeOf(
  skills: readonly SkillMetrics[],
): (TimelineOptions & { bucket: TimelineBucketSize }) | null {
  let first: string | null = null;
  let last: string | null = null;
  for (const m of skills) {
    if (m.firstInvoked !== null && (first === null || m.firstInvoked < first)) first = m.firstInvoked;
    if (m.lastInvoked !== null && (last === null || m.lastInvoked > last)) last = m.lastInvoked;
  }
  if (first === null || last === null) return null;
  const spanHours =
    (timestampToEpochMs(bucketEndOf(bucketStartOf(last, 'hour'), 'hour')) -
      timestampToEpochMs(bucketStartOf(first, 'hour'))) /
    HOUR_MS;
  const bucket: TimelineBucketSize = spanHours <= HOURLY_SPAN_LIMIT_HOURS ? 'hour' : 'day';
  const until = bucketEndOf(bucketStartOf(last, bucket), bucket);
  let since = bucketStartOf(first, bucket);
  const dayMs = 24 * HOUR_MS;
  const earliestAllowed = timestampToEpochMs(until) - MAX_TIMELINE_BUCKETS * dayMs;
  if (timestampToEpochMs(since) < earliestAllowed) since = formatEpochMs(earliestAllowed);
  return { since, until, bucket };
}

/** Counts of the same keys summed over many records, the largest first (ties by key). */
export function topCounts(
  records: Iterable<Readonly<Record<string, number>>>,
  limit = TOP_COUNT,
): Array<[string, number]> {
  const sums = new Map<string, number>();
  for (const record of records) {
    for (const [key, count] of Object.entries(record)) sums.set(key, (sums.get(key) ?? 0) + count);
  }
  return [...sums].sort(byCountDesc).slice(0, limit);
}
