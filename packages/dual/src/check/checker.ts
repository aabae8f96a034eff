import {
  type AnalyticsStore,
  exactPercentiles,
  type Invocation,
  type SkillMetrics,
} from '@skill-metrics/core/contract';
import {
  addFinished,
  emptyTotals,
  METRIC_PERCENTILES,
  type SkillTotals,
  toSkillMetrics,
} from '@skill-metrics/core/engine';
import { type LegacyFileSummary, readLegacyFile } from '@skill-metrics/json-legacy';
import { diffAnswers } from '../shadow/diff.js';
import { DifferenceTally } from './differences.js';
import { ConsistencyReport, type SideInfo } from './report.js';

/** A side of a check: a store, or a legacy file read as it streams (never whole in memory). */
export type CheckSide = AnalyticsStore | { legacyFile: string; timeZone?: string };

export interface CheckOptions {
  /** Invocations looked up in the right store at a time. @default 1000 */
  batchSize?: number;
  /** Samples kept of each class of difference. @default 20 */
  maxSamples?: number;
  /** Called after each batch with how many invocations of the left have been checked. */
  onProgress?: (checked: number) => void;
}

const isFile = (side: CheckSide): side is { legacyFile: string; timeZone?: string } =>
  typeof (side as { legacyFile?: unknown }).legacyFile === 'string';

/**
 * A streamed side's figures, as a database computes them from the same invocations: each skill's
 * totals and its completed durations (for exact percentiles).
 */
class StreamedFigures {
  readonly #totals = new Map<string, SkillTotals>();
  readonly #durations = new Map<string, number[]>();

  add(inv: Invocation): void {
    if (inv.status === 'pending') return;
    const totals = this.#totals.get(inv.skillName) ?? emptyTotals(inv.skillName);
    this.#totals.set(inv.skillName, addFinished(totals, inv));
    if (!inv.completed || inv.durationSeconds === null) return;
    const list = this.#durations.get(inv.skillName);
    if (list) list.push(inv.durationSeconds);
    else this.#durations.set(inv.skillName, [inv.durationSeconds]);
  }

  metrics(): Map<string, SkillMetrics> {
    const out = new Map<string, SkillMetrics>();
    for (const [name, totals] of this.#totals) {
      const [p50, p95, p99] = exactPercentiles(this.#durations.get(name) ?? [], METRIC_PERCENTILES);
      out.set(
        name,
        toSkillMetrics(totals, {
          p50DurationSeconds: p50 ?? null,
          p95DurationSeconds: p95 ?? null,
          p99DurationSeconds: p99 ?? null,
        }),
      );
    }
    return out;
  }
}

/**
 * Compares two stores in full: every invocation of the left is looked up by id in the right (in
 * batches) and compared field by field; what the right holds beyond them is found and named; then
 * every skill's figures. A legacy file's quirks are named, not counted as differences. The left
 * streams, so a file of millions of invocations is checked in bounded memory. `ok` only when
 * nothing but named quirks differ — and never when nothing was compared between non-empty sides.
 */
export async function checkConsistency(
  left: CheckSide,
  right: AnalyticsStore,
  options: CheckOptions = {},
): Promise<ConsistencyReport> {
  const batchSize = options.batchSize ?? 1000;
  const tally = new DifferenceTally(options.maxSamples ?? 20);
  const started = Date.now();
  const figures = new StreamedFigures();
  let leftCount = 0;
  let compared = 0;

  const compareBatch = async (batch: Invocation[]) => {
    const there = await right.getInvocations(batch.map((i) => i.id));
    batch.forEach((here, i) => {
      const other = there[i] ?? null;
      if (other === null) {
        tally.add({ class: 'missing-right', id: here.id, skillName: here.skillName });
        return;
      }
      compared++;
      const diff = diffAnswers(here, other);
      if (diff.length > 0) tally.add({ class: 'field-differs', id: here.id, skillName: here.skillName, diff });
    });
    leftCount += batch.length;
    options.onProgress?.(leftCount);
  };

  let summary: LegacyFileSummary | null = null;
  let leftInfo: SideInfo;
  if (isFile(left)) {
    const file = readLegacyFile(left.legacyFile, left.timeZone === undefined ? {} : { timeZone: left.timeZone });
    for await (const entries of file.batches()) {
      for (let from = 0; from < entries.length; from += batchSize) {
        const batch = entries.slice(from, from + batchSize).map((e) => e.invocation);
        for (const inv of batch) figures.add(inv);
        await compareBatch(batch);
      }
    }
    summary = file.summary();
    leftInfo = { kind: 'legacy-file', name: summary.path, invocations: summary.invocationCount };
  } else {
    let batch: Invocation[] = [];
    for await (const inv of left.listInvocations({ pageSize: batchSize })) {
      batch.push(inv);
      if (batch.length === batchSize) {
        await compareBatch(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await compareBatch(batch);
    leftInfo = { kind: 'store', name: left.constructor.name, invocations: leftCount };
  }

  const rightCount = await right.countInvocations();
  if (rightCount > compared) await findMissingLeft(left, right, tally, batchSize);

  const leftMetrics = summary ? figures.metrics() : await (left as AnalyticsStore).getAllMetrics();
  const rightMetrics = await right.getAllMetrics();
  for (const [name, here] of leftMetrics) {
    const other = rightMetrics.get(name);
    if (!other) tally.add({ class: 'missing-right', skillName: name, what: 'skill metrics' });
    else {
      const diff = diffAnswers(here, other);
      if (diff.length > 0) tally.add({ class: 'field-differs', skillName: name, what: 'skill metrics', diff });
    }
  }
  for (const name of rightMetrics.keys()) {
    if (!leftMetrics.has(name)) tally.add({ class: 'missing-left', skillName: name, what: 'skill metrics' });
  }
  for (const quirk of summary?.quirks ?? []) {
    tally.add({ class: `quirk:${quirk.kind}`, what: quirk.detail, count: quirk.count }, quirk.count);
  }

  return new ConsistencyReport({
    left: leftInfo,
    right: { kind: 'store', name: right.constructor.name, invocations: rightCount },
    compared,
    tally,
    startedAt: started,
    finishedAt: Date.now(),
  });
}

/** The invocations the right holds and the left does not: the left's ids in a set, the right streamed past it. */
async function findMissingLeft(left: CheckSide, right: AnalyticsStore, tally: DifferenceTally, batchSize: number) {
  const ids = new Set<string>();
  if (isFile(left)) {
    const file = readLegacyFile(left.legacyFile, left.timeZone === undefined ? {} : { timeZone: left.timeZone });
    for await (const entries of file.batches()) for (const e of entries) ids.add(e.id);
  } else {
    for await (const inv of left.listInvocations({ pageSize: batchSize })) ids.add(inv.id);
  }
  for await (const inv of right.listInvocations({ pageSize: batchSize })) {
    if (!ids.has(inv.id)) tally.add({ class: 'missing-left', id: inv.id, skillName: inv.skillName });
  }
}
