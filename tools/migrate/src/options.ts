import { DEFAULT_DB_PATH } from '@skill-metrics/core';

/** Bad command-line usage: the CLI prints the message and exits with code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Options that mean the same in every command. */
export const commonOptions = {
  db: { type: 'string', default: DEFAULT_DB_PATH },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** Where output goes; tests pass their own. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};
