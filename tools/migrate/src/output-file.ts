import { randomBytes } from 'node:crypto';
import { accessSync, constants, statSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { InvalidInputError } from '@skill-metrics/core';

const unwritable = (option: string, path: string, why: string) =>
  new InvalidInputError(`--${option}`, `cannot be written to ${path}: ${why}`);

/**
 * The full path of a file a command will write, checked before anything is read: its directory
 * exists and can be written, and the path is not a directory. Nothing is created.
 */
export function outputFileArg(path: string, option: string): string {
  const full = resolve(path);
  const dir = dirname(full);
  let dirIsDirectory = false;
  try {
    dirIsDirectory = statSync(dir).isDirectory();
  } catch {
    throw unwritable(option, full, `no directory ${dir}`);
  }
  if (!dirIsDirectory) throw unwritable(option, full, `${dir} is not a directory`);
  let isDirectory = false;
  try {
    isDirectory = statSync(full).isDirectory();
  } catch {
    // not there yet: it will be created
  }
  if (isDirectory) throw unwritable(option, full, 'it is a directory');
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw unwritable(option, full, `the directory ${dir} is not writable`);
  }
  return full;
}

/**
 * Writes `text` (UTF-8) to a temporary file beside `path`, flushed to disk, and renames it over
 * `path`: a reader sees the old file or the whole new one, never a part. On failure the temporary
 * file is removed, `path` is as it was, and the error names the option and the path.
 */
export async function writeFileAtomically(path: string, text: string, option: string): Promise<void> {
  const temporary = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    const fh = await open(temporary, 'wx');
    try {
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => {});
    throw unwritable(option, path, (error as Error).message);
  }
}
