import { isAscii, isUtf8 } from 'node:buffer';
import { createHash, type Hash } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  emptyTotals,
  formatEpochMs,
  type Invocation,
  increment,
  type SkillTotals,
  systemTimeZone,
} from '@skill-metrics/core/contract';
import { LegacyFileError } from './errors.js';
import {
  checkTimeZone,
  hasNoFraction,
  hasOffset,
  INVOCATION_KEYS,
  invocationIdOf,
  isKnownInvocationKey,
  isKnownSkillKey,
  type LegacyRawInvocation,
  type LegacyRawSkill,
  LegacyTimeReader,
  ROOT_KEYS,
  SKILL_KEYS,
  toContractInvocation,
} from './format.js';
import { JsonSyntaxError, keysOf, parseJson } from './pyjson.js';
import { type LegacyQuirk, QuirkCollector } from './quirks.js';

export interface ReadLegacyFileOptions {
  /**
   * The IANA zone the file's naive local times are in (the old tracker wrote `datetime.now()`).
   * @default systemTimeZone() — the zone of this machine
   */
  timeZone?: string;
  /** Bytes read from the file at a time; an invocation larger than this grows the buffer. @default 1048576 (1 MiB) */
  chunkSize?: number;
  /** How many ordinals (or skills) each quirk keeps as examples; its `count` is always exact. @default 1000 */
  maxQuirkSamples?: number;
  /** Computes the SHA-256 of the bytes read, given as `summary().digest`. @default false */
  digest?: boolean;
}

/** One invocation of the file, as the reader yields it. */
export interface LegacyEntry {
  /** Its index in the file's `invocations` list (0-based). */
  readonly ordinal: number;
  /** Byte offset of the invocation in the file. */
  readonly offset: number;
  /** The invocation as it is in the file, every key kept. */
  readonly raw: LegacyRawInvocation;
  /** Its id: `invocation_id` when present, else `legacyInvocationId(raw, ordinal)`. Computed on first use. */
  readonly id: string;
  /** The contract's view of it (canonical times, status, completedAt). Computed on first use. */
  readonly invocation: Invocation;
}

/** What a whole read found; available once every invocation has been read. */
export interface LegacyFileSummary {
  /** The file's absolute path. */
  path: string;
  /** The zone naive times were read in. */
  timeZone: string;
  /** Bytes read. */
  bytes: number;
  /** How many invocations the file holds. */
  invocationCount: number;
  /** The `skills` section as written (the old tracker's counters), in file order. */
  skills: Map<string, LegacyRawSkill>;
  /**
   * Each skill's figures computed from the invocation list with the contract's rules (each finished
   * invocation once, first/last = earliest/latest start): what the store reports.
   */
  totals: Map<string, SkillTotals>;
  /** Every top-level key in file order with its value; `invocations` and `skills` hold `undefined` (see above). */
  root: Array<[string, unknown]>;
  /** The quirks found, each with a count and where it was seen. */
  quirks: LegacyQuirk[];
  /** SHA-256 (hex) of the bytes read, when asked for. */
  digest: string | null;
}

/** A legacy file being read: iterate `invocations` (or `batches()`) once, then ask for `summary()`. */
export interface LegacyFile {
  readonly path: string;
  readonly timeZone: string;
  /** Every invocation in file order, read as the iteration goes; never the whole file in memory. */
  readonly invocations: AsyncIterable<LegacyEntry>;
  /** The same invocations in the batches they were parsed in (a few thousand at a time). */
  batches(): AsyncIterable<LegacyEntry[]>;
  /** The summary; throws if the file has not been read to the end. */
  summary(): LegacyFileSummary;
  /** Reads whatever is left (without yielding it) and gives the summary. */
  finish(): Promise<LegacyFileSummary>;
}

/**
 * Reads a legacy `skill_metrics.json` as a stream: the `invocations` list one batch at a time, so a
 * file larger than V8's 512 MB string limit reads in bounded memory. A file that is not what the old
 * tracker wrote rejects with a `LegacyFileError` naming the position (byte, line:column) or the JSON
 * path of the problem.
 */
export function readLegacyFile(path: string, options: ReadLegacyFileOptions = {}): LegacyFile {
  return new LegacyFileReader(resolve(path), options);
}

/** Thrown inside the reader where the line and column are not known yet. */
class Located extends Error {
  constructor(
    readonly problem: string,
    readonly offset: number,
    readonly jsonPath: string | null = null,
  ) {
    super(problem);
  }
}

/**
 * Text JSON.parse would not read exactly as Python wrote it: an integral float (`5.0`), an exponent,
 * a long integer, a key that looks like an array index. An invocation with any is parsed exactly.
 */
const HAZARD = /[\s:[,]-?(?:\d+\.0+(?![0-9eE])|\d+(?:\.\d+)?[eE]|\d{16,}(?![0-9.eE]))|"\d+"\s*:/;

/** The largest time a JavaScript Date holds, in ms from the epoch. */
const MAX_EPOCH_MS = 8.64e15;

const isWs = (c: number | undefined) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

class Entry implements LegacyEntry {
  #id: string | undefined;
  #invocation: Invocation | undefined;
  constructor(
    readonly ordinal: number,
    readonly offset: number,
    readonly raw: LegacyRawInvocation,
    readonly timeZone: string,
    readonly epochMicros: number,
  ) {}
  get id(): string {
    if (this.#id === undefined) this.#id = invocationIdOf(this.raw, this.ordinal);
    return this.#id;
  }
  get invocation(): Invocation {
    if (this.#invocation === undefined) {
      const invokedAt = formatEpochMs(this.epochMicros / 1000);
      this.#invocation = toContractInvocation(this.raw, this.id, this.timeZone, invokedAt);
    }
    return this.#invocation;
  }
}

interface SkillAccumulator {
  totals: SkillTotals;
  first: number;
  last: number;
}

class LegacyFileReader implements LegacyFile {
  readonly path: string;
  readonly timeZone: string;
  readonly #chunkSize: number;
  readonly #quirks: QuirkCollector;
  readonly #times: LegacyTimeReader;
  readonly #hash: Hash | null;
  #started = false;
  #summary: LegacyFileSummary | null = null;

  // The read window: buf[0, end) holds file bytes from `base` on; `pos` is the next byte to look at.
  #fh: FileHandle | null = null;
  #buf: Buffer = Buffer.alloc(0);
  #base = 0;
  #pos = 0;
  #end = 0;
  #eof = false;

  #ordinal = 0;
  readonly #skills = new Map<string, LegacySkillRead>();
  readonly #accumulators = new Map<string, SkillAccumulator>();
  readonly #root: Array<[string, unknown]> = [];

  constructor(path: string, options: ReadLegacyFileOptions) {
    this.path = path;
    this.timeZone = checkTimeZone(options.timeZone ?? systemTimeZone());
    this.#chunkSize = Math.max(16, Math.floor(options.chunkSize ?? 1024 * 1024));
    this.#quirks = new QuirkCollector(Math.max(0, Math.floor(options.maxQuirkSamples ?? 1000)));
    this.#times = new LegacyTimeReader(this.timeZone);
    this.#hash = options.digest ? createHash('sha256') : null;
  }

  get invocations(): AsyncIterable<LegacyEntry> {
    return {
      [Symbol.asyncIterator]: () => this.#entries(),
    };
  }

  async *#entries(): AsyncGenerator<LegacyEntry> {
    for await (const batch of this.batches()) {
      for (const entry of batch) yield entry;
    }
  }

  batches(): AsyncIterable<LegacyEntry[]> {
    if (this.#started) throw new Error(`${this.path} is already being read; call readLegacyFile() again to re-read it`);
    this.#started = true;
    return { [Symbol.asyncIterator]: () => this.#run() };
  }

  summary(): LegacyFileSummary {
    if (!this.#summary) throw new Error(`${this.path} has not been read to the end yet`);
    return this.#summary;
  }

  async finish(): Promise<LegacyFileSummary> {
    if (!this.#started) for await (const _ of this.batches());
    return this.summary();
  }

  // -------------------------------------------------------------------------------------------

  async *#run(): AsyncGenerator<LegacyEntry[]> {
    try {
      try {
        this.#fh = await open(this.path, 'r');
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new LegacyFileError(
          this.path,
          code === 'ENOENT' ? 'does not exist' : (error as Error).message,
          {},
          {
            cause: error,
          },
        );
      }
      this.#buf = Buffer.allocUnsafe(this.#chunkSize);
      yield* this.#document();
    } catch (error) {
      if (error instanceof Located) throw await this.#locate(error);
      if (error instanceof LegacyFileError || !(error as NodeJS.ErrnoException).code) throw error;
      // An I/O error (a directory at the path, a disk error): still the file that cannot be read.
      throw new LegacyFileError(this.path, `cannot be read: ${(error as Error).message}`, {}, { cause: error });
    } finally {
      const fh = this.#fh;
      this.#fh = null;
      await fh?.close();
    }
  }

  /** Reads more bytes, keeping buf[keep, end) (moved to the front). False at the end of the file. */
  async #fill(keep: number): Promise<boolean> {
    if (keep > 0) {
      this.#buf.copy(this.#buf, 0, keep, this.#end);
      this.#base += keep;
      this.#end -= keep;
      this.#pos -= keep;
    }
    if (this.#eof) return false;
    if (this.#end === this.#buf.length) {
      const bigger = Buffer.allocUnsafe(this.#buf.length * 2);
      this.#buf.copy(bigger, 0, 0, this.#end);
      this.#buf = bigger;
    }
    const fh = this.#fh as FileHandle;
    const { bytesRead } = await fh.read(this.#buf, this.#end, this.#buf.length - this.#end, this.#base + this.#end);
    if (bytesRead === 0) {
      this.#eof = true;
      return false;
    }
    this.#hash?.update(this.#buf.subarray(this.#end, this.#end + bytesRead));
    this.#end += bytesRead;
    return true;
  }

  /** The byte at `pos` (filling as needed), or -1 at the end of the file. */
  async #peek(): Promise<number> {
    while (this.#pos >= this.#end) {
      if (!(await this.#fill(this.#pos))) return -1;
    }
    return this.#buf[this.#pos] as number;
  }

  async #skipWs(): Promise<number> {
    for (;;) {
      const c = await this.#peek();
      if (!isWs(c)) return c;
      this.#pos++;
    }
  }

  #offset(index = this.#pos): number {
    return this.#base + index;
  }

  #unexpected(c: number, expected: string): Located {
    if (c < 0) return new Located(`unexpected end of file, expected ${expected}`, this.#offset());
    const shown = c >= 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, '0')}`;
    return new Located(`unexpected ${shown}, expected ${expected}`, this.#offset());
  }

  /**
   * The bytes of one JSON value starting at `pos`, moved past. Strings, objects and arrays are
   * delimited by their structure; a literal or number by the next delimiter. Parsed (strictly) by the caller.
   */
  async #captureValue(): Promise<{ text: string; offset: number }> {
    let start = this.#pos;
    let depth = 0;
    let inString = false;
    let escaped = false;
    const first = this.#buf[start] as number;
    const scalar = first !== 0x7b && first !== 0x5b && first !== 0x22;
    let i = start;
    for (;;) {
      const buf = this.#buf;
      const end = this.#end;
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
      this.#pos = start;
      const more = await this.#fill(start);
      i -= shift;
      start = 0;
      if (!more) {
        i = this.#end;
        break;
      }
    }
    this.#checkUtf8(start, i);
    const text = this.#buf.toString('utf8', start, i);
    const offset = this.#offset(start);
    this.#pos = i;
    return { text, offset };
  }

  /** Parses text read from `offset` strictly, locating a syntax error in the file. */
  #parseAt(text: string, offset: number): unknown {
    try {
      return parseJson(text);
    } catch (error) {
      if (error instanceof JsonSyntaxError) {
        throw new Located(error.message, offset + Buffer.byteLength(text.slice(0, error.index)));
      }
      throw error;
    }
  }

  #checkUtf8(start: number, end: number): void {
    const bytes = this.#buf.subarray(start, end);
    if (isUtf8(bytes)) return;
    throw new Located(
      'bytes that are not valid UTF-8 (json.dumps writes ASCII)',
      this.#offset(start + firstInvalidUtf8(bytes)),
    );
  }

  async *#document(): AsyncGenerator<LegacyEntry[]> {
    let c = await this.#skipWs();
    if (c < 0) throw new Located('the file is empty (a torn write?); expected a JSON object', 0);
    if (c === 0xef) throw new Located('starts with a UTF-8 byte order mark; json.dumps never writes one', 0);
    if (c !== 0x7b) {
      const { text, offset } = await this.#captureValue();
      const value = this.#parseAt(text, offset);
      throw new Located(`the top level must be an object, got ${kindOf(value)}`, offset);
    }
    this.#pos++;
    c = await this.#skipWs();
    const seen = new Set<string>();
    if (c === 0x7d) this.#pos++;
    else {
      for (;;) {
        if (c !== 0x22) throw this.#unexpected(c, 'a key');
        const keyOffset = this.#offset();
        const { text: keyText } = await this.#captureValue();
        const key = this.#parseAt(keyText, keyOffset) as string;
        c = await this.#skipWs();
        if (c !== 0x3a) throw this.#unexpected(c, "':'");
        this.#pos++;
        c = await this.#skipWs();
        if (seen.has(key) && (key === 'invocations' || key === 'skills')) {
          throw new Located(`the key ${JSON.stringify(key)} appears twice`, keyOffset);
        }
        seen.add(key);
        if (key === 'invocations') {
          if (c === 0x5b) {
            this.#pos++;
            yield* this.#invocationList();
          } else {
            const { text, offset } = await this.#captureValue();
            const value = this.#parseAt(text, offset);
            throw new Located(`must be a list, got ${kindOf(value)}`, offset, 'invocations');
          }
          this.#root.push(['invocations', undefined]);
        } else {
          if (c < 0) throw this.#unexpected(c, 'a value');
          const { text, offset } = await this.#captureValue();
          const value = this.#parseAt(text, offset);
          if (key === 'skills') {
            this.#readSkills(value, offset);
            this.#root.push(['skills', undefined]);
          } else {
            const at = this.#root.findIndex(([k]) => k === key);
            if (at >= 0) this.#root[at] = [key, value];
            else this.#root.push([key, value]);
          }
        }
        c = await this.#skipWs();
        if (c === 0x2c) {
          this.#pos++;
          c = await this.#skipWs();
        } else if (c === 0x7d) {
          this.#pos++;
          break;
        } else {
          throw this.#unexpected(c, "',' or '}'");
        }
      }
    }
    c = await this.#skipWs();
    if (c >= 0) throw new Located('unexpected data after the top-level object', this.#offset());
    this.#finishSummary();
  }

  /** The `invocations` list, after its `[`: scanned byte by byte for element boundaries, parsed in batches. */
  async *#invocationList(): AsyncGenerator<LegacyEntry[]> {
    const scan = newListScan();
    // Files in json.dumps(indent=2) layout take the fast path; any other layout, non-ASCII text or
    // broken JSON goes to the exact byte scanner, which also finds and places errors.
    let fast = true;
    for (;;) {
      let out: Entry[] = [];
      let i = this.#pos;
      let more = false;
      if (fast && scan.depth === 0 && !scan.inString) {
        const step = this.#fastElements(i, scan, out);
        i = step.next;
        if (step.stop === 'layout') fast = false;
        more = step.stop === 'more';
      }
      if (more) {
        this.#pos = i;
        if (out.length > 0) yield out;
        // At the end of the file, the exact scanner says what is wrong with what is left.
        if (!(await this.#fill(i))) fast = false;
        continue;
      }
      if (!scan.closed) {
        i = scanList(this.#buf, i, this.#end, scan);
        if (scan.starts.length > 0) {
          const exact = this.#parseBatch(scan.starts, scan.ends, scan.exacts);
          out = out.length === 0 ? exact : out.concat(exact);
          scan.starts.length = 0;
          scan.ends.length = 0;
          scan.exacts.length = 0;
        }
      }
      this.#pos = i;
      if (out.length > 0) yield out;
      if (scan.failAt >= 0) {
        throw this.#listError(this.#buf[scan.failAt] as number, scan.failAt, scan.afterElement, scan.sawComma);
      }
      if (scan.closed) return;
      const keep = scan.depth > 0 ? scan.elementStart : i;
      if (!(await this.#fill(keep))) {
        throw new Located(
          `unexpected end of file inside the invocations list (invocation ${this.#ordinal} is cut off: a torn write?)`,
          this.#offset(this.#end),
        );
      }
      if (scan.depth > 0) {
        scan.elementStart -= keep;
        scan.stringStart -= keep;
      }
    }
  }

  /**
   * The fast path over buf[from, end) when it is ASCII: each invocation of the indent=2 layout ends
   * with a newline, four spaces and `}`, so its end is found with a native search, and JSON.parse of
   * exactly that slice proves it (a slice that parses is one whole object). Stops at the end of the
   * window (`more`: read on from `next`), or where that does not hold, for the exact scanner to take
   * over at `next` (`exact`; `layout` when the layout itself is not indent=2).
   */
  #fastElements(from: number, scan: ListScan, out: Entry[]): { next: number; stop: 'more' | 'exact' | 'layout' } {
    const buf = this.#buf;
    const end = this.#end;
    if (!isAscii(buf.subarray(from, end))) return { next: from, stop: 'exact' };
    const text = buf.toString('latin1', from, end);
    const n = text.length;
    let i = 0;
    for (;;) {
      while (i < n && isWs(text.charCodeAt(i))) i++;
      if (i >= n) return { next: from + i, stop: 'more' };
      const c = text.charCodeAt(i);
      if (scan.afterElement) {
        if (c === 0x2c) {
          scan.afterElement = false;
          scan.sawComma = true;
          i++;
          continue;
        }
        if (c === 0x5d) {
          scan.closed = true;
          return { next: from + i + 1, stop: 'exact' };
        }
        return { next: from + i, stop: 'exact' };
      }
      if (c !== 0x7b) {
        if (c === 0x5d && !scan.sawComma) {
          scan.closed = true;
          return { next: from + i + 1, stop: 'exact' };
        }
        return { next: from + i, stop: 'exact' };
      }
      const close = text.indexOf('\n    }', i);
      if (close < 0) {
        // An invocation cut by the window's end, or (when this much has no end) another layout.
        return { next: from + i, stop: n - i < 65536 ? 'more' : 'layout' };
      }
      const slice = text.slice(i, close + 6);
      let value: unknown;
      try {
        value = JSON.parse(slice);
      } catch {
        return { next: from + i, stop: 'layout' };
      }
      out.push(this.#accept(value as LegacyRawInvocation, this.#offset(from + i), slice));
      scan.afterElement = true;
      scan.sawComma = false;
      i = close + 6;
    }
  }

  #listError(c: number, i: number, afterElement: boolean, sawComma: boolean): Located {
    const ordinal = this.#ordinal;
    const offset = this.#offset(i);
    if (afterElement) return new Located("expected ',' or ']' after an invocation", offset);
    if (c === 0x5d && sawComma) return new Located("a trailing ',' before ']'", offset);
    if (c === 0x2c) return new Located("unexpected ','", offset);
    const value = c === 0x22 || c === 0x5b || c === 0x2d || (c >= 0x30 && c <= 0x39) || c === 0x74 || c === 0x66;
    if (value || c === 0x6e) {
      return new Located(
        `must be an object, got ${c === 0x6e ? 'null' : 'another value'}`,
        offset,
        `invocations[${ordinal}]`,
      );
    }
    return new Located(
      `unexpected ${c >= 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16)}`} in the invocations list`,
      offset,
    );
  }

  #parseBatch(starts: number[], ends: number[], exacts: boolean[]): Entry[] {
    const buf = this.#buf;
    const from = starts[0] as number;
    const to = ends[ends.length - 1] as number;
    this.#checkUtf8(from, to);
    let values: unknown[];
    try {
      values = JSON.parse(`[${buf.toString('utf8', from, to)}]`) as unknown[];
    } catch {
      values = [];
      // Find the first bad invocation and the place in it.
      for (let k = 0; k < starts.length; k++) {
        const text = buf.toString('utf8', starts[k], ends[k]);
        this.#parseAt(text, this.#offset(starts[k]));
      }
      throw new Located('is not valid JSON', this.#offset(from));
    }
    const out: Entry[] = new Array(values.length);
    for (let k = 0; k < values.length; k++) {
      const start = starts[k] as number;
      const raw = exacts[k]
        ? (this.#parseAt(buf.toString('utf8', start, ends[k]), this.#offset(start)) as LegacyRawInvocation)
        : (values[k] as LegacyRawInvocation);
      out[k] = this.#accept(raw, this.#offset(start));
    }
    return out;
  }

  /** Checks one invocation, notes its quirks, adds it to its skill's figures. */
  #accept(raw: LegacyRawInvocation, offset: number, source: string | null = null): Entry {
    const ordinal = this.#ordinal++;
    const name = raw.skill_name;
    const at = raw.invoked_at;
    const workflowPath = raw.workflow_path;
    const completed = raw.completed;
    const duration = raw.duration_seconds;
    const actions = raw.follow_up_actions;
    const errorType = raw.error_type;
    if (typeof name !== 'string') badInvocation(ordinal, offset, 'skill_name', `must be a string, got ${kindOf(name)}`);
    if (typeof at !== 'string') badInvocation(ordinal, offset, 'invoked_at', `must be a string, got ${kindOf(at)}`);
    const epoch = this.#times.epochMicros(at as string);
    if (Number.isNaN(epoch))
      badInvocation(ordinal, offset, 'invoked_at', `is not an ISO-8601 time: ${JSON.stringify(at)}`);
    if (workflowPath != null && typeof workflowPath !== 'string') {
      badInvocation(ordinal, offset, 'workflow_path', `must be a string or null, got ${kindOf(workflowPath)}`);
    }
    if (completed !== undefined && typeof completed !== 'boolean') {
      badInvocation(ordinal, offset, 'completed', `must be true or false, got ${kindOf(completed)}`);
    }
    if (duration != null && typeof duration !== 'number') {
      badInvocation(ordinal, offset, 'duration_seconds', `must be a number or null, got ${kindOf(duration)}`);
    }
    // invoked_at + duration must be a time (its completion time is derived from them).
    if (typeof duration === 'number' && !(Math.abs(epoch / 1000 + duration * 1000) <= MAX_EPOCH_MS)) {
      badInvocation(ordinal, offset, 'duration_seconds', `is out of range: ${duration}`);
    }
    if (actions != null) {
      if (!Array.isArray(actions))
        badInvocation(ordinal, offset, 'follow_up_actions', `must be a list of strings, got ${kindOf(actions)}`);
      for (let i = 0; i < (actions as unknown[]).length; i++) {
        if (typeof (actions as unknown[])[i] !== 'string') {
          badInvocation(
            ordinal,
            offset,
            `follow_up_actions[${i}]`,
            `must be a string, got ${kindOf((actions as unknown[])[i])}`,
          );
        }
      }
    }
    if (errorType != null && typeof errorType !== 'string') {
      badInvocation(ordinal, offset, 'error_type', `must be a string or null, got ${kindOf(errorType)}`);
    }
    const explicitId = raw.invocation_id;
    if (explicitId !== undefined && (typeof explicitId !== 'string' || explicitId.length === 0)) {
      badInvocation(ordinal, offset, 'invocation_id', `must be a non-empty string, got ${kindOf(explicitId)}`);
    }
    const completedAt = raw.completed_at;
    if (
      completedAt != null &&
      (typeof completedAt !== 'string' || Number.isNaN(this.#times.epochMicros(completedAt)))
    ) {
      badInvocation(ordinal, offset, 'completed_at', `must be an ISO-8601 time or null, got ${kindOf(completedAt)}`);
    }

    // Keys: the common case is exactly the old tracker's seven.
    let keyCount = 0;
    for (const _ in raw) keyCount++;
    const missing =
      (name === undefined ? 1 : 0) +
      (at === undefined ? 1 : 0) +
      (workflowPath === undefined ? 1 : 0) +
      (completed === undefined ? 1 : 0) +
      (duration === undefined ? 1 : 0) +
      (actions === undefined ? 1 : 0) +
      (errorType === undefined ? 1 : 0);
    const extensions = (explicitId === undefined ? 0 : 1) + (completedAt === undefined ? 0 : 1);
    if (keyCount !== 7 - missing + extensions) {
      // Only keys the old tracker did not write can hold what JSON.parse would not keep as written.
      if (source !== null && HAZARD.test(source)) raw = this.#parseAt(source, offset) as LegacyRawInvocation;
      const extra = Object.keys(raw).filter((k) => !isKnownInvocationKey(k));
      this.#quirks.at('extra-invocation-keys', ordinal, extra);
      this.#checkContextKeys(raw, ordinal);
    }
    if (missing > 0) {
      this.#quirks.at(
        'missing-invocation-keys',
        ordinal,
        INVOCATION_KEYS.filter((k) => raw[k] === undefined),
      );
    }
    const text = at as string;
    const length = text.length;
    if (hasNoFraction(text)) this.#quirks.at('no-fraction-timestamp', ordinal);
    if (length !== 26 && length !== 19 && hasOffset(text)) this.#quirks.at('offset-timestamp', ordinal);

    const pending = completed !== true && duration == null && completedAt == null;
    if (pending) {
      this.#quirks.at('pending-invocation', ordinal);
    } else {
      if (completed === true && !duration) this.#quirks.at('zero-or-null-duration', ordinal);
      if (typeof duration === 'number' && duration < 0) this.#quirks.at('negative-duration', ordinal);
      let acc = this.#accumulators.get(name as string);
      if (!acc) {
        acc = { totals: emptyTotals(name as string), first: epoch, last: epoch };
        this.#accumulators.set(name as string, acc);
      }
      const t = acc.totals;
      t.totalInvocations += 1;
      if (completed === true) {
        t.completedInvocations += 1;
        if (duration) t.totalDurationSeconds += duration as number;
      } else {
        t.abandonedInvocations += 1;
      }
      if (typeof workflowPath === 'string') increment(t.workflowPaths, workflowPath);
      if (typeof errorType === 'string') increment(t.commonErrors, errorType);
      if (actions) for (const a of actions as string[]) increment(t.followUpActions, a);
      if (epoch < acc.first) acc.first = epoch;
      if (epoch > acc.last) acc.last = epoch;
    }
    return new Entry(ordinal, offset, raw, this.timeZone, epoch);
  }

  #checkContextKeys(raw: LegacyRawInvocation, ordinal: number): void {
    const bad: string[] = [];
    for (const key of ['session_id', 'project_path'] as const) {
      const v = raw[key];
      if (v !== undefined && v !== null && typeof v !== 'string') bad.push(key);
    }
    const ctx = raw.user_context;
    if (ctx !== undefined && ctx !== null && (typeof ctx !== 'object' || Array.isArray(ctx))) bad.push('user_context');
    if (bad.length > 0) this.#quirks.at('unmapped-context-key', ordinal, bad);
  }

  /** Checks the `skills` section (the old tracker's counters) and keeps it as written. */
  #readSkills(value: unknown, offset: number): void {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new Located(`must be an object, got ${kindOf(value)}`, offset, 'skills');
    }
    for (const name of keysOf(value)) {
      const skill = (value as Record<string, unknown>)[name];
      const path = `skills[${JSON.stringify(name)}]`;
      const fail = (key: string | null, problem: string): never => {
        throw new Located(problem, offset, key === null ? path : `${path}.${key}`);
      };
      if (skill === null || typeof skill !== 'object' || Array.isArray(skill)) {
        fail(null, `must be an object, got ${kindOf(skill)}`);
      }
      const s = skill as LegacyRawSkill;
      if (s.skill_name !== undefined && typeof s.skill_name !== 'string') {
        fail('skill_name', `must be a string, got ${kindOf(s.skill_name)}`);
      }
      for (const key of [
        'total_invocations',
        'completed_invocations',
        'abandoned_invocations',
        'total_duration_seconds',
        'completion_rate',
        'avg_duration_seconds',
      ]) {
        if (s[key] !== undefined && typeof s[key] !== 'number') fail(key, `must be a number, got ${kindOf(s[key])}`);
      }
      for (const key of ['workflow_paths', 'common_errors', 'follow_up_actions']) {
        const counts = s[key];
        if (counts === undefined) continue;
        if (counts === null || typeof counts !== 'object' || Array.isArray(counts)) {
          fail(key, `must be an object of counts, got ${kindOf(counts)}`);
        }
        for (const k of Object.keys(counts as object)) {
          const n = (counts as Record<string, unknown>)[k];
          if (typeof n !== 'number') fail(`${key}[${JSON.stringify(k)}]`, `must be a number, got ${kindOf(n)}`);
        }
      }
      for (const key of ['first_invoked', 'last_invoked']) {
        const t = s[key];
        if (t === undefined || t === null) continue;
        if (typeof t !== 'string' || Number.isNaN(this.#times.epochMicros(t))) {
          fail(key, `must be an ISO-8601 time or null, got ${kindOf(t)}`);
        }
      }
      const keys = keysOf(s);
      const extra = keys.filter((k) => !isKnownSkillKey(k));
      if (extra.length > 0) this.#quirks.skill('extra-skill-keys', name, 1, extra);
      const missing = SKILL_KEYS.filter((k) => s[k] === undefined);
      if (missing.length > 0) this.#quirks.skill('missing-skill-keys', name, 1, missing);
      this.#skills.set(name, { raw: s });
    }
  }

  /** Compares the stored counters with the invocation list and names what differs. */
  #finishSummary(): void {
    const totals = new Map<string, SkillTotals>();
    for (const [name, acc] of this.#accumulators) {
      acc.totals.firstInvoked = formatEpochMs(acc.first / 1000);
      acc.totals.lastInvoked = formatEpochMs(acc.last / 1000);
      totals.set(name, acc.totals);
    }
    const extraRoot = this.#root.map(([k]) => k).filter((k) => !(ROOT_KEYS as readonly string[]).includes(k));
    if (extraRoot.length > 0) this.#quirks.root('extra-root-keys', extraRoot);

    for (const [name, { raw }] of this.#skills) {
      const acc = this.#accumulators.get(name);
      const stored = numberOr(raw.total_invocations, 0);
      if (!acc) {
        if (stored !== 0) this.#quirks.skill('aggregate-mismatch', name);
        continue;
      }
      const t = acc.totals;
      const extra = stored - t.totalInvocations;
      let mismatch = false;
      if (extra > 0) this.#quirks.skill('double-completion', name, extra);
      else if (extra < 0) mismatch = true;
      else {
        mismatch =
          numberOr(raw.completed_invocations, 0) !== t.completedInvocations ||
          numberOr(raw.abandoned_invocations, 0) !== t.abandonedInvocations ||
          !closeEnough(numberOr(raw.total_duration_seconds, 0), t.totalDurationSeconds) ||
          !sameCounts(raw.workflow_paths, t.workflowPaths, true) ||
          !sameCounts(raw.common_errors, t.commonErrors, true) ||
          !sameCounts(raw.follow_up_actions, t.followUpActions, false);
      }
      const completed = numberOr(raw.completed_invocations, 0);
      const rate = stored === 0 ? 0 : (completed / stored) * 100;
      const avg = completed === 0 ? 0 : numberOr(raw.total_duration_seconds, 0) / completed;
      if (
        (raw.completion_rate !== undefined && !closeEnough(raw.completion_rate as number, rate)) ||
        (raw.avg_duration_seconds !== undefined && !closeEnough(raw.avg_duration_seconds as number, avg))
      ) {
        mismatch = true;
      }
      if (mismatch) this.#quirks.skill('aggregate-mismatch', name);
      const first = typeof raw.first_invoked === 'string' ? this.#times.epochMicros(raw.first_invoked) : Number.NaN;
      const last = typeof raw.last_invoked === 'string' ? this.#times.epochMicros(raw.last_invoked) : Number.NaN;
      if (first !== acc.first || last !== acc.last) this.#quirks.skill('completion-order-first-last', name);
    }
    for (const name of this.#accumulators.keys()) {
      if (!this.#skills.has(name)) this.#quirks.skill('aggregate-mismatch', name);
    }
    const skills = new Map<string, LegacyRawSkill>();
    for (const [name, { raw }] of this.#skills) skills.set(name, raw);
    this.#summary = {
      path: this.path,
      timeZone: this.timeZone,
      bytes: this.#base + this.#end,
      invocationCount: this.#ordinal,
      skills,
      totals,
      root: this.#root,
      quirks: this.#quirks.list(),
      digest: this.#hash ? this.#hash.digest('hex') : null,
    };
  }

  /** Turns a located problem into a `LegacyFileError` with line and column (read again from the file). */
  async #locate(error: Located): Promise<LegacyFileError> {
    let line = 1;
    let lineStart = 0;
    const fh = this.#fh;
    if (fh) {
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
    return new LegacyFileError(this.path, error.problem, { jsonPath: error.jsonPath }, { cause: error });
  }
}

interface LegacySkillRead {
  raw: LegacyRawSkill;
}

/** Where the scan of the `invocations` list is, carried from one read window to the next. */
interface ListScan {
  depth: number;
  inString: boolean;
  /** A backslash ended the last window: the first byte of the next one is escaped. */
  escaped: boolean;
  /** The element holds a number or key that JSON.parse would not keep as Python wrote it. */
  exact: boolean;
  afterElement: boolean;
  sawComma: boolean;
  elementStart: number;
  stringStart: number;
  closed: boolean;
  failAt: number;
  starts: number[];
  ends: number[];
  exacts: boolean[];
}

function newListScan(): ListScan {
  return {
    depth: 0,
    inString: false,
    escaped: false,
    exact: false,
    afterElement: false,
    sawComma: false,
    elementStart: -1,
    stringStart: -1,
    closed: false,
    failAt: -1,
    starts: [],
    ends: [],
    exacts: [],
  };
}

/**
 * Scans buf[i, end) of the `invocations` list for the bounds of its elements (tracking strings,
 * escapes and nesting), noting those JSON.parse would not read exactly as written. Returns where it
 * stopped: `end`, just after the list's `]` (`closed`), or at a byte that cannot be there (`failAt`).
 * A plain function, not a method of the async generator, so that it compiles to a tight loop.
 */
function scanList(buf: Uint8Array, i: number, end: number, s: ListScan): number {
  let depth = s.depth;
  let exact = s.exact;
  let elementStart = s.elementStart;
  let stringStart = s.stringStart;
  let inString = s.inString;
  if (s.escaped && i < end) {
    s.escaped = false;
    i++;
  }
  while (i < end) {
    if (inString) {
      let c = 0;
      while (i < end) {
        c = buf[i] as number;
        if (c === 0x22) break;
        i += c === 0x5c ? 2 : 1;
      }
      if (i >= end) {
        if (i > end) {
          s.escaped = true;
          i = end;
        }
        break;
      }
      inString = false;
      // A key that looks like an array index: JavaScript objects would reorder it.
      const f = buf[stringStart + 1] as number;
      if (f >= 0x30 && f <= 0x39) {
        let j = i + 1;
        while (j < end && isWs(buf[j])) j++;
        if (j >= end || buf[j] === 0x3a) exact = true;
      }
      i++;
      continue;
    }
    const c = buf[i] as number;
    if (depth === 0) {
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
        i++;
      } else if (c === 0x7b && !s.afterElement) {
        depth = 1;
        elementStart = i;
        exact = false;
        s.sawComma = false;
        i++;
      } else if (c === 0x2c && s.afterElement) {
        s.afterElement = false;
        s.sawComma = true;
        i++;
      } else if (c === 0x5d && !s.sawComma) {
        s.closed = true;
        i++;
        break;
      } else {
        s.failAt = i;
        break;
      }
      continue;
    }
    if (c === 0x22) {
      inString = true;
      stringStart = i;
      i++;
    } else if (c === 0x20 || c === 0x0a) {
      i++;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      i++;
    } else if (c === 0x7d || c === 0x5d) {
      i++;
      if (--depth === 0) {
        s.starts.push(elementStart);
        s.ends.push(i);
        s.exacts.push(exact);
        s.afterElement = true;
      }
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      // A number: integral floats (`5.0`), exponents and long integers need the exact parser.
      let j = i + 1;
      let dot = -1;
      let exponent = false;
      for (; j < end; j++) {
        const d = buf[j] as number;
        if (d >= 0x30 && d <= 0x39) continue;
        if (d === 0x2e) dot = j;
        else if (d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d) exponent = true;
        else break;
      }
      if (j >= end || exponent) exact = true;
      else if (dot >= 0) {
        let k = dot + 1;
        while (k < j && buf[k] === 0x30) k++;
        if (k === j) exact = true;
      } else if (j - i > 15) exact = true;
      i = j;
    } else {
      // Literals, ':' and ',' inside an element: JSON.parse checks them.
      i++;
    }
  }
  s.depth = depth;
  s.exact = exact;
  s.elementStart = elementStart;
  s.stringStart = stringStart;
  s.inString = inString;
  return i;
}

function badInvocation(ordinal: number, offset: number, key: string, problem: string): never {
  throw new Located(problem, offset, `invocations[${ordinal}].${key}`);
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}

function closeEnough(a: number, b: number): boolean {
  return a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

/** Equal counts; the old tracker never counted an empty workflow path or error type (`skipEmpty`). */
function sameCounts(stored: unknown, computed: Record<string, number>, skipEmpty: boolean): boolean {
  const s = (stored ?? {}) as Record<string, number>;
  const sk = Object.keys(s).filter((k) => !(skipEmpty && k === ''));
  const ck = Object.keys(computed).filter((k) => !(skipEmpty && k === ''));
  if (sk.length !== ck.length) return false;
  return ck.every((k) => Object.hasOwn(s, k) && s[k] === computed[k]);
}

function kindOf(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
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
