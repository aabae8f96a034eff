import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { SkillMetricsError } from '@skill-metrics/core';
import { checkShares, FLAG_FILE_ENV, isStorageMode, ROLLOUT_ORDER, type StorageMode } from '@skill-metrics/dual';
import { UsageError } from '../options.js';
import { writeFileAtomically } from '../output-file.js';

/** Where the flag file is when neither `--flag-file` nor `SKILL_METRICS_FLAG_FILE` names one. */
export const DEFAULT_FLAG_FILE = '.session-buddy/storage-mode.json';

/** Every mode's whole percentage, `legacy` holding what the others leave below 100. */
export type Shares = Readonly<Record<StorageMode, number>>;

/** The modes from the least advanced (`legacy`) to the most (`db`): how shares are listed and written. */
export const FORWARD_ORDER: readonly StorageMode[] = [...ROLLOUT_ORDER].reverse();

/** The flag file could not be read or does not hold shares: the CLI says so and exits 2. */
export class FlagFileError extends SkillMetricsError {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super('FLAG_FILE', `flag file ${path}: ${problem}`);
  }
}

export interface FlagFileArg {
  path: string;
  /** Which of the three places named it, for the output. */
  from: string;
}

/** The flag file a command works on: `--flag-file`, else `$SKILL_METRICS_FLAG_FILE`, else the default. */
export function flagFileArg(given: string | undefined, env: NodeJS.ProcessEnv): FlagFileArg {
  if (given !== undefined) return { path: resolve(given), from: '--flag-file' };
  const fromEnv = env[FLAG_FILE_ENV];
  if (fromEnv) return { path: resolve(fromEnv), from: `$${FLAG_FILE_ENV}` };
  return { path: resolve(DEFAULT_FLAG_FILE), from: `the default (neither --flag-file nor $${FLAG_FILE_ENV} given)` };
}

export interface FlagFile {
  path: string;
  exists: boolean;
  /** All `legacy` when the file does not exist: what the storage-mode provider gives then. */
  shares: Shares;
  /** When the file last changed (its mtime, in ms), or `null` when there is none. */
  changedAtMs: number | null;
}

const ALL_LEGACY: Shares = checkShares({});

/** Reads and checks the flag file as the storage-mode provider would. */
export function readFlagFile(path: string): FlagFile {
  let changedAtMs: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new FlagFileError(path, 'is not a file');
    changedAtMs = stat.mtimeMs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { path, exists: false, shares: ALL_LEGACY, changedAtMs: null };
    }
    if (error instanceof FlagFileError) throw error;
    throw new FlagFileError(path, `cannot be read: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new FlagFileError(path, `is not JSON (${(error as Error).message}); the provider reads it as all legacy`);
  }
  try {
    return { path, exists: true, shares: checkShares(value), changedAtMs };
  } catch (error) {
    throw new FlagFileError(path, `${(error as Error).message}; the provider reads it as all legacy`);
  }
}

/**
 * The shares of `MODE=PCT` arguments: known modes, each once, whole percentages 0–100, at most 100
 * in all; `legacy` gets the rest. Anything else is a usage error naming the argument.
 */
export function parseShareArgs(args: readonly string[]): Shares {
  if (args.length === 0) throw new UsageError(`rollout set needs MODE=PCT arguments, e.g. verify=90 db-primary=10`);
  const given: Partial<Record<StorageMode, number>> = {};
  let sum = 0;
  for (const arg of args) {
    const match = /^([^=]*)=(.*)$/.exec(arg);
    if (!match) throw new UsageError(`rollout set: ${JSON.stringify(arg)} is not MODE=PCT (e.g. verify=90)`);
    const [, mode, pct] = match as unknown as [string, string, string];
    if (!isStorageMode(mode)) {
      throw new UsageError(
        `rollout set: unknown mode ${JSON.stringify(mode)} in ${JSON.stringify(arg)} (modes: ${FORWARD_ORDER.join(', ')})`,
      );
    }
    if (mode in given) throw new UsageError(`rollout set: ${mode} is given twice`);
    if (!/^\d+$/.test(pct) || Number(pct) > 100) {
      throw new UsageError(
        `rollout set: the share of ${mode} must be a whole percentage 0–100, got ${JSON.stringify(pct)}`,
      );
    }
    given[mode] = Number(pct);
    sum += Number(pct);
  }
  if (sum > 100) throw new UsageError(`rollout set: the shares add up to ${sum} %, more than 100`);
  return checkShares(given);
}

/** The file's text: every mode with a share, least advanced first, `legacy` written out. */
export function flagFileText(shares: Shares): string {
  const kept = Object.fromEntries(FORWARD_ORDER.filter((m) => shares[m] > 0).map((m) => [m, shares[m]]));
  return `${JSON.stringify(kept, null, 2)}\n`;
}

/**
 * Replaces the flag file with `shares`: written beside it, flushed, and renamed over it, so a
 * process polling it reads the old shares or the new ones, never a part.
 */
export async function writeFlagFile(path: string, shares: Shares): Promise<void> {
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    throw new FlagFileError(path, `its folder cannot be made: ${(error as Error).message}`);
  }
  await writeFileAtomically(path, flagFileText(shares), 'flag-file');
}

/** `verify 90 %, db-primary 10 %`: the modes with a share, least advanced first. */
export function sharesText(shares: Shares): string {
  return FORWARD_ORDER.filter((m) => shares[m] > 0)
    .map((m) => `${m} ${shares[m]} %`)
    .join(', ');
}
