import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidInputError } from '@skill-metrics/core';
import type { Command } from '../options.js';
import { outputFileArg } from '../output-file.js';
import { count } from './backfill-summary.js';
import { type DatabaseTarget, databaseArg, openForReading } from './database.js';

export const exportCommand: Command = {
  summary: "the legacy tracker's export_metrics JSON: summary, skills, every invocation",
  usage: '<out.json>',
  options: {},
  positionals: [1, 1],
  async run(args, io) {
    const started = performance.now();
    const target = databaseArg(args);
    const out = exportFileArg(args.positionals[0] as string, target);
    const store = await openForReading(target);
    try {
      const written = await store.exportMetrics(out);
      io.out(`export:       ${out} (${(statSync(out).size / 1e6).toFixed(1)} MB)`);
      io.out(`skills:       ${count(written.skills)}`);
      io.out(`invocations:  ${count(written.invocations)} (pending ones included)`);
      io.out(`elapsed:      ${((performance.now() - started) / 1000).toFixed(2)} s`);
      return 0;
    } finally {
      await store.close();
    }
  },
};

/**
 * The file the export is written to, checked before the database is opened: a writable place that
 * is not the database itself (the export replaces what is at its path).
 */
function exportFileArg(path: string, target: DatabaseTarget): string {
  let out: string;
  try {
    out = outputFileArg(path, 'export');
  } catch (error) {
    // outputFileArg names an option; here the path is the command's argument.
    if (error instanceof InvalidInputError) throw new InvalidInputError('the export', error.problem);
    throw error;
  }
  if (target.kind !== 'sqlite') return out;
  const database = resolve(target.path);
  const same = (a: string, b: string) => {
    if (a === b) return true;
    try {
      const [x, y] = [statSync(a), statSync(b)];
      return x.dev === y.dev && x.ino === y.ino;
    } catch {
      return false;
    }
  };
  for (const file of [database, `${database}-wal`, `${database}-shm`, `${database}-journal`]) {
    if (same(out, file))
      throw new InvalidInputError('the export', `cannot be written over the database's own file ${file}`);
  }
  return out;
}
