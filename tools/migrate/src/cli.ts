#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SkillMetricsError } from '@skill-metrics/core';
import { demo } from './commands/demo.js';
import { MissingDatabaseError } from './commands/open.js';
import { report } from './commands/report.js';
import { status } from './commands/status.js';
import { commonOptions, type Io, processIo, UsageError } from './options.js';

const USAGE = `Usage: skill-metrics <command> [options]

Commands:
  demo      track a few hundred skill runs into the database and print the report
  report    print the metrics report
  status    print the schema version and what the database holds

Options:
  --db PATH   the SQLite database (default .session-buddy/skill_metrics.db)
  -h, --help  this text

Exit codes: 0 success, 1 a check found differences, 2 bad usage or unreadable input.`;

const commands: Record<string, (db: string, io: Io) => Promise<number>> = { demo, report, status };

/** Runs the CLI with `argv` (without node and the script) and returns the exit code. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: commonOptions, allowPositionals: true });
    const [name, ...extra] = positionals;
    if (values.help || name === 'help') {
      io.out(USAGE);
      return 0;
    }
    const command = name === undefined ? undefined : commands[name];
    if (!command)
      throw new UsageError(name === undefined ? 'no command given' : `unknown command ${JSON.stringify(name)}`);
    if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
    return await command(values.db, io);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`skill-metrics: ${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof SkillMetricsError || error instanceof MissingDatabaseError) {
      io.err(`skill-metrics: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

const invokedDirectly =
  process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) process.exitCode = await main(process.argv.slice(2));
