import { isUtf8 } from 'node:buffer';
import { createHash, type Hash } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';
import { LegacyFileError } from '../errors.js';
import { JsonSyntaxError, parseJson } from '../pyjson.js';

/** A problem at a byte offset of the file, thrown inside the reader before its line and column are known. */
export class Located extends Error {
  constructor(
    readonly problem: string,
    readonly offset: number,
    readonly jsonPath: string | null = null,
  ) {
    super(problem);
  }
}

export const isWs = (c: number | undefined) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * The file read through a window of bytes: `buf[0, end)` holds the file's bytes from offset `base`
 * on, and `pos` is the next byte to look at. The window moves forward only; a value larger than the
 * window grows it. Optionally hashes every byte read.
 */
export class ByteWindow {
  buf: Buffer = Buffer.alloc(0);
  base = 0;
  pos = 0;
  end = 0;
  #eof = false;
  #fh: FileHandle | null = null;
  readonly #hash: Hash | null;

  constructor(
    readonly path: string,
    readonly chunkSize: number,
    digest: boolean,
  ) {
    this.#hash = digest ? createHash('sha256') : null;
  }

  async open(): Promise<void> {
    try {
      this.#fh = await open(this.path, 'r');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const problem = code === 'ENOENT' ? 'does not exist' : (error as Error).message;
      throw new LegacyFileError(this.path, problem, {}, { cause: error });
    }
    this.buf = Buffer.allocUnsafe(this.chunkSize);
  }

  async close(): Promise<void> {
    const fh = this.#fh;
    this.#fh = null;
    await fh?.close();
  }

  /** SHA-256 (hex) of every byte read, when asked for. */
  digest(): string | null {
    return this.#hash ? this.#hash.digest('hex') : null;
  }

  /** Reads more bytes, keeping buf[keep, end) (moved to the front). False at the end of the file. */
  async fill(keep: number): Promise<boolean> {
    if (keep > 0) {
      this.buf.copy(this.buf, 0, keep, this.end);
      this.base += keep;
      this.end -= keep;
      this.pos -= keep;
    }
    if (this.#eof) return false;
    if (this.end === this.buf.length) {
      const bigger = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(bigger, 0, 0, this.end);
      this.buf = bigger;
    }
    const fh = this.#fh as FileHandle;
    const { bytesRead } = await fh.read(this.buf, this.end, this.buf.length - this.end, this.base + this.end);
    if (bytesRead === 0) {
      this.#eof = true;
      return false;
    }
    this.#hash?.update(this.buf.subarray(this.end, this.end + bytesRead));
    this.end += bytesRead;
    return true;
  }

  /** The byte at `pos` (filling as needed), or -1 at the end of the file. */
  async peek(): Promise<number> {
    while (this.pos >= this.end) {
      if (!(await this.fill(this.pos))) return -1;
    }
    return this.buf[this.pos] as number;
  }

  async skipWs(): Promise<number> {
    for (;;) {
      const c = await this.peek();
      if (!isWs(c)) return c;
      this.pos++;
    }
  }

  /** The file offset of window index `index`. */
  offset(index = this.pos): number {
    return this.base + index;
  }

  unexpected(c: number, expected: string): Located {
    if (c < 0) return new Located(`unexpected end of file, expected ${expected}`, this.offset());
    const shown = c >= 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, '0')}`;
    return new Located(`unexpected ${shown}, expected ${expected}`, this.offset());
  }

  /**
   * The text of one JSON value starting at `pos`, moved past. Strings, objects and arrays are
   * delimited by their structure; a literal or number by the next delimiter. Parsed by the caller.
   */
  async captureValue(): Promise<{ text: string; offset: number }> {
    let start = this.pos;
    let depth = 0;
    let inString = false;
    let escaped = false;
    const first = this.buf[start] as number;
    const scalar = first !== 0x7b && first !== 0x5b && first !== 0x22;
    let i = start;
    for (;;) {
      const buf = this.buf;
      const end = this.end;
      let done = false;
      for (; i < end; i++) {
        const c = buf[i] as number;
        if (scalar) {
          if (isWs(c) || c === 0x2c || c === 0x7d || c === 0x5d) {
            done = true;
            break;
          }
          continue;
        }
        if (inString) {
          if (escaped) escaped = false;
          else if (c === 0x5c) escaped = true;
          else if (c === 0x22) {
            inString = false;
            if (depth === 0) {
              i++;
              done = true;
              break;
            }
          }
        } else if (c === 0x22) inString = true;
        else if (c === 0x7b || c === 0x5b) depth++;
        else if (c === 0x7d || c === 0x5d) {
          if (--depth === 0) {
            i++;
            done = true;
            break;
          }
        }
      }
      if (done) break;
      const shift = start;
      this.pos = start;
      const more = await this.fill(start);
      i -= shift;
      start = 0;
      if (!more) {
        i = this.end;
        break;
      }
    }
    this.checkUtf8(start, i);
    const text = this.buf.toString('utf8', start, i);
    const offset = this.offset(start);
    this.pos = i;
    return { text, offset };
  }

  /** Parses text read from `offset` strictly (Python's rules), locating a syntax error in the file. */
  parseAt(text: string, offset: number): unknown {
    try {
      return parseJson(text);
    } catch (error) {
      if (error instanceof JsonSyntaxError) {
        throw new Located(error.message, offset + Buffer.byteLength(text.slice(0, error.index)));
      }
      throw error;
    }
  }

  checkUtf8(start: number, end: number): void {
    const bytes = this.buf.subarray(start, end);
    if (isUtf8(bytes)) return;
    throw new Located(
      'bytes that are not valid UTF-8 (json.dumps writes ASCII)',
      this.offset(start + firstInvalidUtf8(bytes)),
    );
  }

  /** Turns a located problem into a `LegacyFileError` with line and column (read again from the file). */
  async locate(error: Located): Promise<LegacyFileError> {
    const fh = this.#fh;
    if (!fh) return new LegacyFileError(this.path, error.problem, { jsonPath: error.jsonPath }, { cause: error });
    let line = 1;
    let lineStart = 0;
    const chunk = Buffer.allocUnsafe(1 << 20);
    for (let at = 0; at < error.offset; ) {
      const { bytesRead } = await fh.read(chunk, 0, Math.min(chunk.length, error.offset - at), at);
      if (bytesRead === 0) break;
      for (let i = chunk.indexOf(0x0a, 0); i >= 0 && i < bytesRead; i = chunk.indexOf(0x0a, i + 1)) {
        line++;
        lineStart = at + i + 1;
      }
      at += bytesRead;
    }
    const prefix = Buffer.allocUnsafe(error.offset - lineStart);
    await fh.read(prefix, 0, prefix.length, lineStart);
    const column = [...prefix.toString('utf8')].length + 1;
    return new LegacyFileError(
      this.path,
      error.problem,
      { position: { offset: error.offset, line, column }, jsonPath: error.jsonPath },
      { cause: error },
    );
  }
}

/** Index of the first byte that is not valid UTF-8 (bytes.length when all are). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i] as number;
    let n: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      n = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      n = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 3;
      min = 0x10000;
    } else return i;
    let cp = b & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return bytes.length;
}
