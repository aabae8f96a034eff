import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { checkTimeZone } from '@skill-metrics/json-legacy';
import { UsageError } from '../options.js';

/** A file a command was pointed at does not exist, or is not a file. */
export class MissingFileError extends Error {
  override name = 'MissingFileError';
  constructor(
    readonly path: string,
    what: string,
  ) {
    super(`no ${what} at ${path}`);
  }
}

/** The legacy file a command reads: it must exist and be a file (checked before anything is opened). */
export function legacyFileArg(path: string): string {
  const full = resolve(path);
  let isFile = false;
  try {
    isFile = statSync(full).isFile();
  } catch {
    // missing or unreadable: said below
  }
  if (!isFile) throw new MissingFileError(full, 'legacy file');
  checkEnds(full);
  return full;
}

/** A legacy file that is plainly not one: not a JSON object from its first byte to its last. */
export class NotALegacyFileError extends Error {
  override name = 'NotALegacyFileError';
}

const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/**
 * Checks, before anything is opened, that the file begins with `{` and ends with `}`: a file torn by
 * a crash (its end missing) or one that is not an object is refused at once, not after a partial
 * import. What is wrong inside it, the streaming reader names as it reaches it.
 */
function checkEnds(path: string): void {
  const fd = openSync(path, 'r');
  try {
    // The size of the file opened, not of the path: a live writer may replace the file meanwhile.
    const size = fstatSync(fd).size;
    const n = Math.min(size, 4096);
    const head = Buffer.alloc(n);
    const tail = Buffer.alloc(n);
    readSync(fd, head, 0, n, 0);
    readSync(fd, tail, 0, n, size - n);
    let i = 0;
    if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) i = 3; // a UTF-8 byte-order mark
    while (i < n && isSpace(head[i] as number)) i++;
    let j = n - 1;
    while (j >= 0 && isSpace(tail[j] as number)) j--;
    if (size === 0 || i === n) throw new NotALegacyFileError(`${path} is empty, not a legacy metrics file`);
    if (head[i] !== 0x7b) throw new NotALegacyFileError(`${path} is not a JSON object (it does not begin with "{")`);
    if (tail[j] !== 0x7d) {
      throw new NotALegacyFileError(`${path} does not end with "}": torn by a crash, or not a legacy metrics file`);
    }
  } finally {
    closeSync(fd);
  }
}

/** The zone of `--tz`, checked before anything is opened. */
export function timeZoneArg(tz: string | undefined): string | undefined {
  if (tz === undefined) return undefined;
  try {
    return checkTimeZone(tz);
  } catch {
    throw new UsageError(`--tz ${JSON.stringify(tz)} is not a time zone (an IANA name such as Europe/Berlin)`);
  }
}
