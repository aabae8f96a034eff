/** Bad command-line usage: the CLI prints the message and exits with code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Options that mean the same in every command. */
export const commonOptions = {
  db: { type: 'string' },
  'database-url': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** Where output goes; tests pass their own. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Where progress is drawn: a bar when it is a terminal. @default process.stderr */
  progress?: NodeJS.WriteStream;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  progress: process.stderr,
};

/** What a command is given: its options (common ones included) and its positional arguments. */
export interface CommandArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export interface Command {
  summary: string;
  /** How its arguments read in the usage, e.g. `<legacy.json> [--dry-run]`. */
  usage: string;
  options: Record<string, { type: 'string' | 'boolean'; short?: string; default?: string | boolean }>;
  /** How many positional arguments it takes, at least and at most. */
  positionals: [min: number, max: number];
  run(args: CommandArgs, io: Io): Promise<number>;
}

/** A string option's value, or `undefined`. */
export const stringOption = (args: CommandArgs, name: string): string | undefined => {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
};

/** A whole-number option, checked. */
export function intOption(args: CommandArgs, name: string): number | undefined {
  const text = stringOption(args, name);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`--${name} must be a whole number, got ${JSON.stringify(text)}`);
  return Number(text);
}
