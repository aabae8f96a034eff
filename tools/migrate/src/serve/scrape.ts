import { type AnalyticsStore, type SkillOverview, timestampToEpochMs } from '@skill-metrics/core';
import { checkShares, STORAGE_MODES } from '@skill-metrics/dual';
import { readRolloutNotes } from '../rollout/evidence.js';
import { FlagFileError, readFlagFile, type Shares } from '../rollout/flag-file.js';
import { Exposition, label, sampleLine } from './exposition.js';

/** The summary's quantiles, and the overview field each is read from. */
const QUANTILES = [
  ['0.5', 'p50DurationSeconds'],
  ['0.95', 'p95DurationSeconds'],
  ['0.99', 'p99DurationSeconds'],
] as const;

/** One skill's sample lines in each of the skill families, as of `figures`, in UTF-8. */
interface SkillSamples {
  figures: SkillOverview;
  totals: Uint8Array;
  pending: Uint8Array;
  durations: Uint8Array;
}

const sameFigures = (a: SkillOverview, b: SkillOverview) =>
  a.completedInvocations === b.completedInvocations &&
  a.abandonedInvocations === b.abandonedInvocations &&
  a.pendingInvocations === b.pendingInvocations &&
  a.totalDurationSeconds === b.totalDurationSeconds &&
  a.p50DurationSeconds === b.p50DurationSeconds &&
  a.p95DurationSeconds === b.p95DurationSeconds &&
  a.p99DurationSeconds === b.p99DurationSeconds;

/** Printable ASCII: a line of it is as many bytes as characters. */
const PRINTABLE_ASCII = /^[ -~]*$/;

/** A skill's lines, written out whole: a scrape after every skill changed makes 10,000 of these. */
function samplesOf(o: SkillOverview): SkillSamples {
  const skill = label('skill', o.skillName);
  const totals =
    sampleLine('skill_invocations_total', `${skill},outcome="completed"`, o.completedInvocations) +
    sampleLine('skill_invocations_total', `${skill},outcome="abandoned"`, o.abandonedInvocations);
  const pending = sampleLine('skill_invocations_pending', skill, o.pendingInvocations);
  let durations = '';
  for (const [q, field] of QUANTILES) {
    durations += sampleLine('skill_invocation_duration_seconds', `${skill},quantile="${q}"`, o[field] ?? Number.NaN);
  }
  durations +=
    sampleLine('skill_invocation_duration_seconds_sum', skill, o.totalDurationSeconds) +
    sampleLine('skill_invocation_duration_seconds_count', skill, o.completedInvocations);
  // One encoding for the three, kept as views into it; a printable ASCII line's bytes are its characters.
  const bytes = Buffer.from(totals + pending + durations);
  const ascii = PRINTABLE_ASCII.test(skill);
  const a = ascii ? totals.length : Buffer.byteLength(totals);
  const b = a + (ascii ? pending.length : Buffer.byteLength(pending));
  return { figures: o, totals: bytes.subarray(0, a), pending: bytes.subarray(a, b), durations: bytes.subarray(b) };
}

/** The shares the storage-mode provider reads from the flag file, and whether it could read it. */
function sharesOf(flagFile: string): { shares: Shares; valid: boolean } {
  try {
    return { shares: readFlagFile(flagFile).shares, valid: true };
  } catch (error) {
    // An unreadable flag file gives every call `legacy`: that is what the rollout is doing.
    if (error instanceof FlagFileError) return { shares: checkShares({}), valid: false };
    throw error;
  }
}

/**
 * The `/metrics` page: every skill's counts and durations and the rollout's state, read from the
 * database at each scrape, as Prometheus text. A skill's sample lines are kept while its figures
 * stay the same, so a scrape formats only the skills that changed since the last.
 */
export class MetricsScraper {
  readonly #store: AnalyticsStore;
  readonly #flagFile: string;
  #kept = new Map<string, SkillSamples>();

  constructor(store: AnalyticsStore, flagFile: string) {
    this.#store = store;
    this.#flagFile = flagFile;
  }

  /** The page as UTF-8. */
  async scrape(): Promise<Buffer> {
    const overview = await this.#store.getSkillOverview();
    const rollout = await readRolloutNotes(this.#store);
    const kept = new Map<string, SkillSamples>();
    const skills = overview.map((o) => {
      const before = this.#kept.get(o.skillName);
      const samples = before && sameFigures(before.figures, o) ? before : samplesOf(o);
      kept.set(o.skillName, samples);
      return samples;
    });
    this.#kept = kept;

    const out = new Exposition();
    out.family('skill_invocations_total', 'counter', 'Finished invocations of each skill, by outcome.');
    for (const s of skills) out.samples(s.totals);
    out.family('skill_invocations_pending', 'gauge', 'Invocations of each skill started and not finished.');
    for (const s of skills) out.samples(s.pending);
    out.family(
      'skill_invocation_duration_seconds',
      'summary',
      "Durations of each skill's completed invocations (quantiles within 1 %; NaN before the first); _count counts every completed one, as the store's average does.",
    );
    for (const s of skills) out.samples(s.durations);

    const { shares, valid } = sharesOf(this.#flagFile);
    out.family(
      'skill_metrics_rollout_mode_ratio',
      'gauge',
      'The share of calls the flag file gives each storage mode.',
    );
    for (const mode of STORAGE_MODES) {
      out.sample('skill_metrics_rollout_mode_ratio', label('mode', mode), shares[mode] / 100);
    }
    out
      .family(
        'skill_metrics_rollout_flag_file_valid',
        'gauge',
        '1 when the flag file is absent or valid; 0 when it is unreadable and every call gets legacy.',
      )
      .sample('skill_metrics_rollout_flag_file_valid', '', valid ? 1 : 0);
    out
      .family('skill_metrics_rollout_mismatches', 'gauge', 'Shadow-read mismatches recorded in the database.')
      .sample('skill_metrics_rollout_mismatches', '', rollout.mismatches);
    out.family(
      'skill_metrics_rollout_owed_writes',
      'gauge',
      'Writes owed to each side (legacy: the JSON file, db: the database); repair writes them.',
    );
    for (const side of ['legacy', 'db'] as const) {
      out.sample('skill_metrics_rollout_owed_writes', label('side', side), rollout.owed[side]);
    }
    out
      .family('skill_metrics_rollout_guardrail_holding', 'gauge', '1 while the guardrail holds the rollout back.')
      .sample('skill_metrics_rollout_guardrail_holding', '', rollout.guardrail?.held ? 1 : 0);
    const check = rollout.check;
    out.family(
      'skill_metrics_rollout_last_check_ok',
      'gauge',
      '1 when the last check found the stores alike; absent before one.',
    );
    if (check) out.sample('skill_metrics_rollout_last_check_ok', '', check.ok ? 1 : 0);
    out.family(
      'skill_metrics_rollout_last_check_timestamp_seconds',
      'gauge',
      'When the last check finished, in Unix seconds; absent before one.',
    );
    if (check) {
      out.sample('skill_metrics_rollout_last_check_timestamp_seconds', '', timestampToEpochMs(check.finishedAt) / 1000);
    }
    return out.bytes();
  }
}
