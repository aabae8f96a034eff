#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SkillMetricsError } from '@skill-metrics/core';
import { backfillCommand } from './commands/backfill.js';
import { backupCommand } from './commands/backup.js';
import { checkCommand } from './commands/check.js';
import { demoCommand } from './commands/demo.js';
import { exportCommand } from './commands/export.js';
import { MissingFileError, NotALegacyFileError } from './commands/open.js';
import { repairCommand } from './commands/repair.js';
import { reportCommand } from './commands/report.js';
import { restoreCommand } from './commands/restore.js';
import { rolloutCommand } from './commands/rollout.js';
import { serveCommand } from './commands/serve.js';
import { statusCommand } from './commands/status.js';
import { type Command, commonOptions, type Io, processIo, UsageError } from './options.js';

const COMMANDS: Record<string, Command> = {
  backfill: backfillCommand,
  check: checkCommand,
  repair: repairCommand,
  status: statusCommand,
  report: reportCommand,
  export: exportCommand,
  backup: backupCommand,
  restore: restoreCommand,
  rollout: rolloutCommand,
  serve: serveCommand,
  demo: demoCommand,
};

const USAGE = `Usage: skill-metrics <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${`${name} ${c.usage}`.padEnd(58)} ${c.summary}`)
  .join('\n')}

Options of every command:
  --db PATH            the SQLite database (default .session-buddy/skill_metrics.db)
  --database-url URL   a PostgreSQL database instead (postgres://user@host:5432/name)
  -h, --help           this text

Exit codes: 0 success, 1 a check found differences, 2 bad usage or unreadable input (nothing written).`;

/** Runs the CLI with `argv` (without node and the script) and returns the exit code. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  try {
    const name = argv.find((a) => !a.startsWith('-'));
    const command = name === undefined ? undefined : COMMANDS[name];
    if (argv.includes('--help') || argv.includes('-h') || name === 'help') {
      io.out(USAGE);
      return 0;
    }
    if (!command)
      throw new UsageError(name === undefined ? 'no command given' : `unknown command ${JSON.stringify(name)}`);
    const { values, positionals } = parseArgs({
      args: argv.filter((a) => a !== name),
      options: { ...commonOptions, ...command.options },
      allowPositionals: true,
    });
    const [min, max] = command.positionals;
    if (positionals.length < min) throw new UsageError(`${name} needs ${command.usage.split(' ')[0]}`);
    if (positionals.length > max) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[max])}`);
    return await command.run({ values: values as never, positionals }, io);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`skill-metrics: ${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    if (
      error instanceof SkillMetricsError ||
      error instanceof MissingFileError ||
      error instanceof NotALegacyFileError
    ) {
      io.err(`skill-metrics: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

const invokedDirectly =
  process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  // Output piped into a reader that stopped (`| head`) ends the run quietly.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  process.exitCode = await main(process.argv.slice(2));
}
