import { statSync } from 'node:fs';
import { formatEpochMs } from '@skill-metrics/core';
import { GUARDRAIL_KEY, type GuardrailState, MODE_ENV, STORAGE_MODES } from '@skill-metrics/dual';
import { type Command, type CommandArgs, type Io, intOption, stringOption, UsageError } from '../options.js';
import { advanceBlockers, type Evidence, gatherEvidence, rateText, sideName } from '../rollout/evidence.js';
import {
  type FlagFile,
  type FlagFileArg,
  FlagFileError,
  flagFileArg,
  parseShareArgs,
  readFlagFile,
  type Shares,
  sharesText,
  writeFlagFile,
} from '../rollout/flag-file.js';
import { advanceStep, backStep, type Step } from '../rollout/steps.js';
import { type DatabaseTarget, databaseArg, databaseExists, openDatabase, openForReading } from './database.js';

const ACTIONS = ['status', 'set', 'advance', 'back', 'release'] as const;
type Action = (typeof ACTIONS)[number];

/** The mismatch-rate threshold of `advance`, a fraction 0–1, checked. */
function maxRateOption(args: CommandArgs): number | undefined {
  const text = stringOption(args, 'max-mismatch-rate');
  if (text === undefined) return undefined;
  const rate = /^\d*\.?\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(rate >= 0 && rate <= 1)) {
    throw new UsageError(
      `--max-mismatch-rate must be a fraction 0–1 (0.001 is one in a thousand), got ${JSON.stringify(text)}`,
    );
  }
  return rate;
}

/** `--step N`: whole percentage points, 1–100. */
function stepOption(args: CommandArgs): number | undefined {
  const step = intOption(args, 'step');
  if (step !== undefined && (step < 1 || step > 100)) {
    throw new UsageError(`--step must be 1–100 percentage points, got ${step}`);
  }
  return step;
}

/** Opens the database to judge by, when it exists; `advance` and `back` require it. */
async function withEvidence<T>(
  target: DatabaseTarget,
  flag: FlagFile,
  required: boolean,
  use: (evidence: Evidence | null) => Promise<T>,
): Promise<T> {
  if (!required && !databaseExists(target)) return use(null);
  const store = await openForReading(target);
  try {
    return await use(await gatherEvidence(store, target.name, flag));
  } finally {
    await store.close();
  }
}

/** Replaces the flag file with `shares`, unless it changed since it was read as `before`. */
async function replaceShares(before: FlagFile, shares: Shares): Promise<void> {
  let now: number | null = null;
  try {
    now = statSync(before.path).mtimeMs;
  } catch {
    // gone, or never there
  }
  if (now !== before.changedAtMs) {
    throw new FlagFileError(before.path, 'changed while this ran; nothing written, run it again');
  }
  await writeFlagFile(before.path, shares);
}

const stepText = (step: Step) => `${step.percent} % from ${step.from} to ${step.to}`;

function flagLines(where: FlagFileArg, flag: FlagFile, env: NodeJS.ProcessEnv): string[] {
  const lines = [
    `flag file:   ${where.path} (${where.from})`,
    flag.exists
      ? `changed:     ${formatEpochMs(flag.changedAtMs as number)}`
      : 'changed:     never: there is no file yet, so every call is legacy',
    `shares:      ${sharesText(flag.shares)}`,
  ];
  if (env[MODE_ENV])
    lines.push(`note:        ${MODE_ENV}=${env[MODE_ENV]} is set here; it overrides the file wherever it is set`);
  return lines;
}

function evidenceLines(evidence: Evidence, flag: FlagFile): string[] {
  const { check, mismatches, owed, guardrail } = evidence;
  const lines = [`database:    ${evidence.database}`];
  if (check === null) lines.push('last check:  none saved (skill-metrics check saves one)');
  else {
    const counts = Object.entries(check.counts).map(([c, n]) => `${c} ${n}`);
    lines.push(
      `last check:  ${check.startedAt} ${check.ok ? 'ok' : `found differences (${check.verdict})`}: ${check.compared} compared, ${check.invocations.file} in the file, ${check.invocations.database} in the database${counts.length ? `; ${counts.join(', ')}` : ''}`,
      `             of ${check.legacyFile}; begun after the flag file's last change: ${check.afterFlagChange ? 'yes' : 'no'}`,
    );
  }
  const written = 100 - flag.shares.legacy;
  const comparing = flag.shares.verify + flag.shares['db-primary'];
  lines.push(
    `mismatches:  ${mismatches.total} recorded${mismatches.sinceCheck === null ? '' : `, ${mismatches.sinceCheck} since the last check began`}`,
  );
  if (mismatches.comparingInvocations !== null) {
    lines.push(
      `  rate:      ${mismatches.rate === null ? 'none: no invocation since the check in a mode that compares' : `${rateText(mismatches.rate)} (${mismatches.sinceCheck} in about ${mismatches.comparingInvocations} invocations)`}`,
      `  measure:   mismatches per invocation in verify or db-primary since the check. The database does not count comparisons, so those invocations are estimated: the ones it holds since the check × the comparing modes' part of the shares that write to it (${comparing} of ${written})`,
    );
  }
  lines.push(
    `owed:        ${owed.legacy} to the ${sideName('legacy')}, ${owed.db} to the ${sideName('db')} (as journaled in the database; what the database misses in a JSON-primary mode, check finds)`,
    `guardrail:   ${guardrail?.held ? `holding since ${guardrail.since}: ${guardrail.reason} ${rateText(guardrail.rate)} over ${guardrail.events} events, above ${rateText(guardrail.threshold)}` : 'not holding'}`,
  );
  return lines;
}

interface Judging {
  step: number | undefined;
  maxRate: number | undefined;
}

async function status(args: CommandArgs, io: Io, where: FlagFileArg, flag: FlagFile, j: Judging): Promise<number> {
  return withEvidence(databaseArg(args), flag, false, async (evidence) => {
    const next = advanceStep(flag.shares, j.step);
    const blockers = evidence
      ? advanceBlockers(evidence, flag, j.maxRate)
      : [`no database at ${databaseArg(args).name}: nothing to judge by`];
    if (args.values.json) {
      io.out(
        JSON.stringify(
          {
            flagFile: {
              path: where.path,
              from: where.from,
              exists: flag.exists,
              changedAt: flag.changedAtMs === null ? null : formatEpochMs(flag.changedAtMs),
            },
            shares: flag.shares,
            modeEnv: process.env[MODE_ENV] || null,
            next: next && { from: next.from, to: next.to, percent: next.percent, shares: next.shares },
            evidence,
            advance: { ready: next !== null && blockers.length === 0, blockers },
          },
          null,
          2,
        ),
      );
      return 0;
    }
    const lines = flagLines(where, flag, process.env);
    lines.push(
      next
        ? `next step:   advance moves ${stepText(next)} (--step N moves N points of it)`
        : 'next step:   none: every share is at db',
    );
    if (evidence) lines.push(...evidenceLines(evidence, flag));
    if (next) {
      lines.push(blockers.length === 0 ? 'advance:     ready' : 'advance:     refused now, because');
      for (const b of blockers) lines.push(`  - ${b}`);
    }
    io.out(lines.join('\n'));
    return 0;
  });
}

async function set(io: Io, where: FlagFileArg, values: string[]): Promise<number> {
  const shares = parseShareArgs(values);
  await writeFlagFile(where.path, shares);
  io.out(`flag file ${where.path} (${where.from}) now: ${sharesText(shares)}`);
  return 0;
}

async function advance(args: CommandArgs, io: Io, where: FlagFileArg, flag: FlagFile, j: Judging): Promise<number> {
  return withEvidence(databaseArg(args), flag, true, async (evidence) => {
    const next = advanceStep(flag.shares, j.step);
    if (next === null) {
      io.out(`nothing to advance: every share in ${where.path} is at db`);
      return 0;
    }
    const blockers = advanceBlockers(evidence as Evidence, flag, j.maxRate);
    if (blockers.length > 0) {
      io.err(`skill-metrics: rollout advance (${stepText(next)}) refused; ${where.path} is untouched:`);
      for (const b of blockers) io.err(`  - ${b}`);
      return 1;
    }
    await replaceShares(flag, next.shares);
    io.out(`moved ${stepText(next)} in ${where.path}: now ${sharesText(next.shares)}`);
    io.out('the evidence so far was for the old shares: run skill-metrics check again before the next advance');
    return 0;
  });
}

async function back(args: CommandArgs, io: Io, where: FlagFileArg, flag: FlagFile): Promise<number> {
  return withEvidence(databaseArg(args), flag, true, async (evidence) => {
    const step = backStep(flag.shares);
    if (step === null) {
      io.out(`nothing to step back: every share in ${where.path} is at legacy`);
      return 0;
    }
    const { owed } = evidence as Evidence;
    if (owed.legacy + owed.db > 0) {
      io.err(
        `skill-metrics: rollout back (${stepText(step)}) refused; ${where.path} is untouched: ${owed.legacy} write(s) owed to the ${sideName('legacy')} and ${owed.db} to the ${sideName('db')} would be lost to the mode stepped back to. Run skill-metrics repair first.`,
      );
      return 1;
    }
    await replaceShares(flag, step.shares);
    io.out(`moved ${stepText(step)} in ${where.path}: now ${sharesText(step.shares)}`);
    if (step.from === 'db') {
      io.out('db mode writes nothing to the JSON file: run skill-metrics repair before stepping back again');
    }
    return 0;
  });
}

/** Lifts the guardrail's hold, as `clearGuardrail()` does: every dual store sees it within its refresh. */
async function release(args: CommandArgs, io: Io): Promise<number> {
  const target = databaseArg(args);
  // Read first, on a read-only store: a database that is not there is named and never created.
  const reader = await openForReading(target);
  let held: GuardrailState | null;
  try {
    held = (await reader.notes.getState(GUARDRAIL_KEY)) as GuardrailState | null;
  } finally {
    await reader.close();
  }
  if (!held?.held) {
    io.out(`the guardrail holds nothing back in ${target.name}`);
    return 0;
  }
  const store = await openDatabase(target);
  try {
    await store.notes.setState(GUARDRAIL_KEY, null);
  } finally {
    await store.close();
  }
  io.out(
    `released the guardrail's hold (${held.reason} ${rateText(held.rate)} since ${held.since}); the dual stores go back to their flag's modes`,
  );
  return 0;
}

export const rolloutCommand: Command = {
  summary: "the shares per mode and the evidence for the next step; set, advance, back, release (the guardrail's hold)",
  usage: '[status|set M=PCT…|advance|back|release] [--flag-file F]',
  options: {
    'flag-file': { type: 'string' },
    step: { type: 'string' },
    'max-mismatch-rate': { type: 'string' },
    json: { type: 'boolean', default: false },
  },
  positionals: [0, 1 + STORAGE_MODES.length],
  async run(args, io) {
    const [given = 'status', ...rest] = args.positionals;
    if (!(ACTIONS as readonly string[]).includes(given)) {
      throw new UsageError(`rollout ${JSON.stringify(given)}: not one of ${ACTIONS.join(', ')}`);
    }
    const action = given as Action;
    if (action !== 'set' && rest.length > 0) {
      throw new UsageError(`rollout ${action} takes no argument, got ${JSON.stringify(rest[0])}`);
    }
    if (action === 'release') return release(args, io);
    const judging = { step: stepOption(args), maxRate: maxRateOption(args) };
    const where = flagFileArg(stringOption(args, 'flag-file'), process.env);
    if (action === 'set') return set(io, where, rest);
    const flag = readFlagFile(where.path);
    if (action === 'advance') return advance(args, io, where, flag, judging);
    if (action === 'back') return back(args, io, where, flag);
    return status(args, io, where, flag, judging);
  },
};
