import { resolve } from 'node:path';
import {
  describe,
  formatEpochMs,
  InvalidInputError,
  InvalidStateError,
  type Invocation,
  systemTimeZone,
} from '@skill-metrics/core/contract';
import {
  addCounts,
  checkCount,
  checkOptions,
  emptyTotals,
  type FinishedInvocation,
  type SkillTotals,
} from '@skill-metrics/core/engine';
import { LegacyFileError } from '../errors.js';
import {
  invocationIdOf,
  type LegacyRawInvocation,
  type LegacyRawSkill,
  ROOT_KEYS,
  toContractInvocation,
} from '../format.js';
import { checkTimeZone, LegacyTimeReader } from '../legacy-time.js';
import { type LegacyQuirk, QuirkCollector } from '../quirks.js';
import { checkInvocation, type FieldContext } from './fields.js';
import { readInvocationList } from './list.js';
import { readSkills, reconcile } from './skills.js';
import { ByteWindow, Located } from './window.js';

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
  /** The summary; rejects with `InvalidStateError` if the file has not been read to the end. */
  summary(): LegacyFileSummary;
  /**
   * Reads whatever is left (without yielding it) and gives the summary — after a read broken off
   * too, which holds the file open until then.
   */
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

const READER_OPTIONS: ReadonlySet<string> = new Set(['timeZone', 'chunkSize', 'maxQuirkSamples', 'digest']);

class LegacyFileReader implements LegacyFile {
  readonly path: string;
  readonly timeZone: string;
  readonly #window: ByteWindow;
  readonly #quirks: QuirkCollector;
  readonly #times: LegacyTimeReader;
  readonly #fields: FieldContext;
  /** The one read of the file, shared by every way of iterating it; a `break` pauses it, not ends it. */
  #source: AsyncGenerator<LegacyEntry[]> | null = null;
  #summary: LegacyFileSummary | null = null;
  #ordinal = 0;
  #skills = new Map<string, LegacyRawSkill>();
  /** Each skill's totals from the list, with its earliest and latest start in epoch microseconds. */
  readonly #totals = new Map<string, { totals: SkillTotals; first: number; last: number }>();
  /** What `accept` folds each finished invocation from: one object, refilled, as a million are read. */
  readonly #finished: Omit<FinishedInvocation, 'invokedAt'> = {
    workflowPath: null,
    completed: false,
    durationSeconds: null,
    errorType: null,
    followUpActions: [],
  };
  readonly #root: Array<[string, unknown]> = [];

  constructor(path: string, options: ReadLegacyFileOptions) {
    this.path = path;
    this.timeZone = checkTimeZone(options.timeZone ?? systemTimeZone());
    const o = checkOptions(options, 'options', READER_OPTIONS) as ReadLegacyFileOptions;
    const chunkSize = o.chunkSize === undefined ? 1024 * 1024 : Math.max(16, checkCount(o.chunkSize, 'chunkSize'));
    const samples = o.maxQuirkSamples === undefined ? 1000 : o.maxQuirkSamples;
    if (!Number.isSafeInteger(samples) || samples < 0) {
      throw new InvalidInputError('maxQuirkSamples', `must be a whole number ≥ 0, got ${describe(samples)}`);
    }
    if (o.digest !== undefined && typeof o.digest !== 'boolean') {
      throw new InvalidInputError('digest', `must be a boolean, got ${describe(o.digest)}`);
    }
    this.#window = new ByteWindow(path, chunkSize, o.digest === true);
    this.#quirks = new QuirkCollector(samples);
    this.#times = new LegacyTimeReader(this.timeZone);
    this.#fields = {
      times: this.#times,
      quirks: this.#quirks,
      parseExactly: (source, offset) => this.#window.parseAt(source, offset),
      result: { raw: {}, epochMicros: 0, pending: false },
    };
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
    if (this.#source) {
      throw new InvalidStateError(`${this.path} is already being read; call readLegacyFile() again to read it again`);
    }
    const source = this.#run();
    this.#source = source;
    const paused: AsyncIterator<LegacyEntry[]> = {
      next: () => source.next(),
      // Leaving a for-await loop early leaves the read where it is, for finish() to go on with.
      return: async () => ({ done: true, value: undefined }),
    };
    return { [Symbol.asyncIterator]: () => paused };
  }

  summary(): LegacyFileSummary {
    if (!this.#summary) throw new InvalidStateError(`${this.path} has not been read to the end yet; call finish()`);
    return this.#summary;
  }

  async finish(): Promise<LegacyFileSummary> {
    if (!this.#source) this.batches();
    const source = this.#source as AsyncGenerator<LegacyEntry[]>;
    while (!(await source.next()).done);
    return this.summary();
  }

  async *#run(): AsyncGenerator<LegacyEntry[]> {
    const w = this.#window;
    try {
      await w.open();
      yield* this.#document();
    } catch (error) {
      if (error instanceof Located) throw await w.locate(error);
      if (error instanceof LegacyFileError || !(error as NodeJS.ErrnoException).code) throw error;
      // An I/O error (a directory at the path, a disk error): still the file that cannot be read.
      throw new LegacyFileError(this.path, `cannot be read: ${(error as Error).message}`, {}, { cause: error });
    } finally {
      await w.close();
    }
  }

  /** The top-level object: its keys in order, the invocations list streamed, the rest parsed whole. */
  async *#document(): AsyncGenerator<LegacyEntry[]> {
    const w = this.#window;
    let c = await w.skipWs();
    if (c < 0) throw new Located('the file is empty (a torn write?); expected a JSON object', 0);
    if (c === 0xef) throw new Located('starts with a UTF-8 byte order mark; json.dumps never writes one', 0);
    if (c !== 0x7b) {
      const { text, offset } = await w.captureValue();
      throw new Located(`the top level must be an object, got ${describe(w.parseAt(text, offset))}`, offset);
    }
    w.pos++;
    c = await w.skipWs();
    const seen = new Set<string>();
    if (c === 0x7d) w.pos++;
    else {
      for (;;) {
        if (c !== 0x22) throw w.unexpected(c, 'a key');
        const keyOffset = w.offset();
        const { text: keyText } = await w.captureValue();
        const key = w.parseAt(keyText, keyOffset) as string;
        c = await w.skipWs();
        if (c !== 0x3a) throw w.unexpected(c, "':'");
        w.pos++;
        c = await w.skipWs();
        if (seen.has(key) && (key === 'invocations' || key === 'skills')) {
          throw new Located(`the key ${JSON.stringify(key)} appears twice`, keyOffset);
        }
        seen.add(key);
        if (key === 'invocations' && c === 0x5b) {
          w.pos++;
          yield* readInvocationList(w, this);
          this.#root.push(['invocations', undefined]);
        } else {
          if (c < 0) throw w.unexpected(c, 'a value');
          const { text, offset } = await w.captureValue();
          const value = w.parseAt(text, offset);
          if (key === 'invocations') throw new Located(`must be a list, got ${describe(value)}`, offset, 'invocations');
          if (key === 'skills') {
            this.#skills = readSkills(value, offset, this.#times, this.#quirks);
            this.#root.push(['skills', undefined]);
          } else {
            const at = this.#root.findIndex(([k]) => k === key);
            if (at >= 0) this.#root[at] = [key, value];
            else this.#root.push([key, value]);
          }
        }
        c = await w.skipWs();
        if (c === 0x2c) {
          w.pos++;
          c = await w.skipWs();
        } else if (c === 0x7d) {
          w.pos++;
          break;
        } else {
          throw w.unexpected(c, "',' or '}'");
        }
      }
    }
    c = await w.skipWs();
    if (c >= 0) throw new Located('unexpected data after the top-level object', w.offset());
    this.#finishSummary();
  }

  /** The ordinal the next invocation gets (for the list reader). */
  get next(): number {
    return this.#ordinal;
  }

  /** Checks one invocation, notes its quirks, and adds it to its skill's totals if it is finished. */
  accept(input: LegacyRawInvocation, offset: number, source: string | null): Entry {
    const ordinal = this.#ordinal++;
    const { raw, epochMicros, pending } = checkInvocation(input, ordinal, offset, source, this.#fields);
    if (!pending) {
      const name = raw.skill_name as string;
      let skill = this.#totals.get(name);
      if (!skill) {
        skill = { totals: emptyTotals(name), first: epochMicros, last: epochMicros };
        this.#totals.set(name, skill);
      }
      const f = this.#finished;
      f.workflowPath = typeof raw.workflow_path === 'string' ? raw.workflow_path : null;
      f.completed = raw.completed === true;
      f.durationSeconds = typeof raw.duration_seconds === 'number' ? raw.duration_seconds : null;
      f.errorType = typeof raw.error_type === 'string' ? raw.error_type : null;
      f.followUpActions = (raw.follow_up_actions as string[] | null | undefined) ?? [];
      addCounts(skill.totals, f);
      // First and last by epoch: formatting every start to compare strings would cost more than parsing.
      if (epochMicros < skill.first) skill.first = epochMicros;
      if (epochMicros > skill.last) skill.last = epochMicros;
    }
    return new Entry(ordinal, offset, raw, this.timeZone, epochMicros);
  }

  #finishSummary(): void {
    const extraRoot = this.#root.map(([k]) => k).filter((k) => !(ROOT_KEYS as readonly string[]).includes(k));
    if (extraRoot.length > 0) this.#quirks.root('extra-root-keys', extraRoot);
    const totals = new Map<string, SkillTotals>();
    for (const [name, { totals: t, first, last }] of this.#totals) {
      t.firstInvoked = formatEpochMs(first / 1000);
      t.lastInvoked = formatEpochMs(last / 1000);
      totals.set(name, t);
    }
    reconcile(this.#skills, totals, this.#times, this.#quirks);
    this.#summary = {
      path: this.path,
      timeZone: this.timeZone,
      bytes: this.#window.base + this.#window.end,
      invocationCount: this.#ordinal,
      skills: this.#skills,
      totals,
      root: this.#root,
      quirks: this.#quirks.list(),
      digest: this.#window.digest(),
    };
  }
}
