import {
  formatEpochMs,
  notesOf,
  type SkillMetricsStore,
  type StoreNote,
  type StoreNotes,
  timestampToEpochMs,
} from '@skill-metrics/core';
import {
  type ConsistencyReport,
  type DifferenceClass,
  GUARDRAIL_KEY,
  type GuardrailState,
  MISMATCH_NOTE,
  OWED_NOTE,
  type OwedWrite,
  type Side,
} from '@skill-metrics/dual';
import { type DatabaseTarget, openDatabase } from '../commands/database.js';
import type { FlagFile } from './flag-file.js';

/** The store-state key under which `check` keeps the summary of its last run. */
export const CHECK_KEY = 'check.last';

/**
 * How much later than the flag file's change a check must begin to count as after it. File times
 * come from the kernel's coarse clock, which can lag the wall clock by a timer tick (up to 10 ms);
 * without this margin a change made just after a check began could look older than the check.
 */
export const FLAG_CHANGE_MARGIN_MS = 25;

/** What `check` keeps in the database: enough for `rollout` to judge, not the whole report. */
export interface CheckSummary {
  version: 1;
  /** Canonical timestamps. */
  startedAt: string;
  finishedAt: string;
  ok: boolean;
  verdict: string | null;
  legacyFile: string;
  /** Invocations found on both sides and compared field by field. */
  compared: number;
  invocations: { file: number; database: number };
  counts: Partial<Record<DifferenceClass, number>>;
  /** The last mismatch note's seq when the check began: the notes after it came since. */
  mismatchSeq: number;
}

const PAGE = 1000;

/** The notes of `kind` after seq `after`, oldest first, a page at a time. */
async function* notesAfter(notes: StoreNotes, kind: string, after = 0): AsyncGenerator<StoreNote> {
  let cursor = after;
  for (;;) {
    const page = await notes.list(kind, { after: cursor, limit: PAGE });
    yield* page;
    if (page.length < PAGE) return;
    cursor = (page.at(-1) as StoreNote).seq;
  }
}

/** The seq of the last mismatch note (0 when there is none): where "since the check" begins. */
export async function lastMismatchSeq(store: SkillMetricsStore): Promise<number> {
  const notes = notesOf(store);
  let seq = 0;
  if (notes) for await (const note of notesAfter(notes, MISMATCH_NOTE)) seq = note.seq;
  return seq;
}

export function summarizeCheck(report: ConsistencyReport, startedAtMs: number, mismatchSeq: number): CheckSummary {
  const json = report.toJSON();
  return {
    version: 1,
    startedAt: formatEpochMs(startedAtMs),
    finishedAt: json.finishedAt,
    ok: json.ok,
    verdict: json.verdict,
    legacyFile: json.left.name,
    compared: json.compared,
    invocations: { file: json.left.invocations, database: json.right.invocations },
    counts: json.counts,
    mismatchSeq,
  };
}

/**
 * Keeps `summary` in the database (which exists: the check read it). The check itself reads the
 * database read-only; only this one state row is written, through a store of its own.
 */
export async function saveCheckSummary(target: DatabaseTarget, summary: CheckSummary): Promise<void> {
  const store = await openDatabase(target);
  try {
    await store.notes.setState(CHECK_KEY, summary);
  } finally {
    await store.close();
  }
}

export interface Evidence {
  database: string;
  /** The last check, and whether it began after the flag file's last change. */
  check: (CheckSummary & { afterFlagChange: boolean }) | null;
  mismatches: {
    total: number;
    /** Recorded after the last check began; `null` with no check. */
    sinceCheck: number | null;
    /** Invocations started since the check that went to a mode comparing reads (an estimate). */
    comparingInvocations: number | null;
    /** `sinceCheck / comparingInvocations`; `null` when either is missing or nothing compared. */
    rate: number | null;
  };
  /** Writes journaled in the database as owed to each side. */
  owed: Record<Side, number>;
  guardrail: GuardrailState | null;
}

/**
 * The comparing modes' part of the invocations the database holds. Every mode but `legacy` writes
 * to the database, and the notes do not count comparisons, so the invocations started since the
 * check are split by the shares: those of `verify` and `db-primary` over all but `legacy`.
 */
function comparingPart(flag: FlagFile): number {
  const written = 100 - flag.shares.legacy;
  return written === 0 ? 0 : (flag.shares.verify + flag.shares['db-primary']) / written;
}

/** What the database's notes say of the rollout: cheap reads, none of them over the invocations. */
export interface RolloutNotes {
  /** The last check `check` kept, or `null`. */
  check: CheckSummary | null;
  /** Shadow-read mismatches recorded. */
  mismatches: number;
  /** Writes journaled in the database as owed to each side. */
  owed: Record<Side, number>;
  guardrail: GuardrailState | null;
}

/** Reads the rollout's notes through `store` (all empty for a store that keeps none). */
export async function readRolloutNotes(store: SkillMetricsStore): Promise<RolloutNotes> {
  const notes = notesOf(store);
  const owed: Record<Side, number> = { legacy: 0, db: 0 };
  if (!notes) return { check: null, mismatches: 0, owed, guardrail: null };
  const kept = (await notes.getState(CHECK_KEY)) as CheckSummary | null;
  for await (const note of notesAfter(notes, OWED_NOTE)) owed[(note.body as OwedWrite).side]++;
  return {
    check: kept?.version === 1 ? kept : null,
    mismatches: await notes.count(MISMATCH_NOTE),
    owed,
    guardrail: ((await notes.getState(GUARDRAIL_KEY)) as GuardrailState | null) ?? null,
  };
}

/** What the database says about the rollout so far, read through `store`. */
export async function gatherEvidence(store: SkillMetricsStore, database: string, flag: FlagFile): Promise<Evidence> {
  const { check, mismatches, owed, guardrail } = await readRolloutNotes(store);
  const notes = notesOf(store);
  const startedMs = check ? timestampToEpochMs(check.startedAt) : null;
  let sinceCheck: number | null = null;
  if (notes && check) {
    sinceCheck = 0;
    for await (const _ of notesAfter(notes, MISMATCH_NOTE, check.mismatchSeq)) sinceCheck++;
  }
  const comparingInvocations = check
    ? Math.round((await store.countInvocations({ since: check.startedAt })) * comparingPart(flag))
    : null;
  return {
    database,
    check:
      check && startedMs !== null
        ? {
            ...check,
            afterFlagChange: flag.changedAtMs === null || startedMs > flag.changedAtMs + FLAG_CHANGE_MARGIN_MS,
          }
        : null,
    mismatches: {
      total: mismatches,
      sinceCheck,
      comparingInvocations,
      rate: sinceCheck !== null && comparingInvocations ? sinceCheck / comparingInvocations : null,
    },
    owed,
    guardrail,
  };
}

const when = (ms: number) => formatEpochMs(ms);

/**
 * Why an advance must not happen now, one line per condition not met (none: it may). The evidence
 * must be green: an ok check begun after the flag file's last change, no mismatch since it began
 * (or, with `maxMismatchRate`, a rate at most that), nothing owed, and the guardrail not holding.
 */
export function advanceBlockers(evidence: Evidence, flag: FlagFile, maxMismatchRate?: number): string[] {
  const blockers: string[] = [];
  const { check, mismatches, owed, guardrail } = evidence;
  if (check === null) {
    blockers.push(`no check is saved in ${evidence.database}: run skill-metrics check <legacy.json> first`);
  } else {
    if (!check.ok) blockers.push(`the last check (${check.startedAt}) found differences: ${check.verdict}`);
    if (!check.afterFlagChange) {
      blockers.push(
        `the last check (${check.startedAt}) began before the flag file last changed (${when(flag.changedAtMs as number)}): run skill-metrics check again`,
      );
    }
  }
  const since = mismatches.sinceCheck ?? 0;
  if (since > 0) {
    const rate =
      mismatches.rate === null ? 'no rate: no comparing invocation counted' : `rate ${rateText(mismatches.rate)}`;
    if (maxMismatchRate === undefined) {
      blockers.push(`${since} mismatch(es) recorded since the last check began (${rate})`);
    } else if (mismatches.rate === null || mismatches.rate > maxMismatchRate) {
      blockers.push(
        `${since} mismatch(es) since the last check began: ${rate}, above --max-mismatch-rate ${maxMismatchRate}`,
      );
    }
  }
  for (const side of ['legacy', 'db'] as const) {
    if (owed[side] > 0) {
      blockers.push(`${owed[side]} write(s) owed to the ${sideName(side)}: run skill-metrics repair first`);
    }
  }
  if (guardrail?.held) {
    blockers.push(
      `the guardrail is holding the rollout back since ${guardrail.since}: ${guardrail.reason} ${rateText(guardrail.rate)} over ${guardrail.events} events, above ${rateText(guardrail.threshold)} (skill-metrics rollout release lifts it once the cause is fixed)`,
    );
  }
  return blockers;
}

export const sideName = (side: Side) => (side === 'legacy' ? 'JSON file' : 'database');

/** A rate as a percentage with enough digits to tell small ones apart. */
export const rateText = (rate: number) => `${Number((rate * 100).toPrecision(3))} %`;
