import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { runDemo } from '../demo/run.js';
import { type Command, stringOption, UsageError } from '../options.js';

/** `.session-buddy/demo-20261202-184800`: one per run, in the cwd. */
function defaultDir(now: Date): string {
  const stamp = now.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
  return resolve('.session-buddy', `demo-${stamp}`);
}

/** Makes the demo's directory: a new one, or an empty one that exists; anything else is refused. */
function freshDir(dir: string, given: boolean): string {
  let entries: string[] | null = null;
  try {
    if (!statSync(dir).isDirectory()) throw new UsageError(`--dir ${dir} is not a directory`);
    entries = readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (entries === null) {
    mkdirSync(dir, { recursive: true });
    return dir;
  }
  if (entries.length === 0) return dir;
  if (given) throw new UsageError(`--dir ${dir} is not empty; the demo needs a fresh directory`);
  // Two runs within one second: the second gets its own directory.
  for (let n = 2; ; n++) {
    const next = `${dir}-${n}`;
    try {
      mkdirSync(next);
      return next;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

export const demoCommand: Command = {
  summary: 'the whole migration on a generated legacy file, step by step, in a fresh folder',
  usage: '[--dir DIR]',
  options: { dir: { type: 'string' } },
  positionals: [0, 0],
  run(args, io) {
    // The demo makes its own database in its folder: a database given to it would go unused.
    for (const option of ['db', 'database-url']) {
      if (stringOption(args, option) !== undefined) {
        throw new UsageError(`demo makes its own database in its folder; --${option} does not apply (give --dir)`);
      }
    }
    const given = stringOption(args, 'dir');
    const dir = freshDir(given === undefined ? defaultDir(new Date()) : resolve(given), given !== undefined);
    return runDemo({ dir }, io);
  },
};
