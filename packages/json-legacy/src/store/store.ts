import { resolve } from 'node:path';
import { describe, InvalidInputError, StoreClosedError, systemTimeZone } from '@skill-metrics/core/contract';
import {
  checkEngineOptions,
  checkOptions,
  checkText,
  ENGINE_OPTIONS,
  type EngineOptions,
  EngineStore,
} from '@skill-metrics/core/engine';
import { checkTimeZone } from '../legacy-time.js';
import type { LegacyQuirk } from '../quirks.js';
import { LegacyFileBackend } from './backend.js';
import type { LegacyStoreStats } from './loaded-file.js';

/** Where `openLegacyStore()` keeps its file when no path is given, relative to the working directory. */
export const DEFAULT_LEGACY_PATH = '.session-buddy/skill_metrics.json';

export interface LegacyStoreOptions extends EngineOptions {
  /**
   * The legacy JSON file. Created (with its folder) on the first write if missing.
   * @default '.session-buddy/skill_metrics.json'
   */
  path?: string;
  /**
   * The IANA zone the file's naive local times are read in and written in (the old tracker wrote
   * `datetime.now()`, the machine's local time). `store.timeZone` says which was used.
   * @default systemTimeZone() — this machine's zone
   */
  timeZone?: string;
  /** A lock not refreshed for this long is taken to be a dead writer's and taken over, in ms. @default 10000 */
  lockStaleMs?: number;
  /** How long a write waits for another process's lock before failing with `LegacyLockError`, in ms. @default 30000 */
  lockTimeoutMs?: number;
  /**
   * `true` fsyncs the new file and its directory before a write resolves, so it survives a power
   * loss too; `false` survives a crash of the process only.
   * @default true
   */
  durable?: boolean;
}

const OPTIONS: ReadonlySet<string> = new Set([
  'path',
  'timeZone',
  'lockStaleMs',
  'lockTimeoutMs',
  'durable',
  ...ENGINE_OPTIONS,
]);

/**
 * The store over the legacy `skill_metrics.json`, in the old tracker's format, made safe: every
 * write happens under an inter-process lock, re-reads the file first so no other writer's update is
 * lost, and replaces the file atomically; writes that arrive together are written together. A file
 * it cannot read rejects with `LegacyFileError` and is never written over. Every read of the
 * contract, analytics included, is answered from the file's invocations.
 */
export class LegacyJsonStore extends EngineStore {
  /** The file's absolute path. */
  readonly path: string;
  /** The IANA zone naive times are read and written in. */
  readonly timeZone: string;
  readonly #backend: LegacyFileBackend;

  constructor(options: LegacyStoreOptions = {}) {
    const o = checkOptions(options, 'options', OPTIONS) as LegacyStoreOptions;
    checkEngineOptions(o);
    const given = o.path === undefined ? DEFAULT_LEGACY_PATH : checkText(o.path, 'path');
    if (given.length === 0) throw new InvalidInputError('path', 'must not be empty');
    const path = resolve(given);
    const timeZone = checkTimeZone(o.timeZone ?? systemTimeZone());
    const durable = o.durable ?? true;
    if (typeof durable !== 'boolean')
      throw new InvalidInputError('durable', `must be a boolean, got ${describe(durable)}`);
    const backend = new LegacyFileBackend(path, timeZone, {
      lockStaleMs: positive(o.lockStaleMs ?? 10_000, 'lockStaleMs'),
      lockTimeoutMs: positive(o.lockTimeoutMs ?? 30_000, 'lockTimeoutMs'),
      durable,
    });
    super(backend, o);
    this.path = path;
    this.timeZone = timeZone;
    this.#backend = backend;
  }

  /** What the store has done so far. */
  get stats(): Readonly<LegacyStoreStats> {
    return { ...this.#backend.file.stats };
  }

  /** Reads the file (if any) so that a file it cannot read fails here. */
  async load(): Promise<void> {
    this.#ensureOpen();
    await this.#backend.file.current();
  }

  /** The quirks of the file as last read (see `readLegacyFile`). */
  async quirks(): Promise<LegacyQuirk[]> {
    this.#ensureOpen();
    return structuredClone((await this.#backend.file.current()).quirks);
  }

  #ensureOpen(): void {
    if (this.closed) throw new StoreClosedError();
  }
}

/** Opens the legacy JSON store; a file that exists is read at once, so an unreadable one fails here. */
export async function openLegacyStore(options: LegacyStoreOptions = {}): Promise<LegacyJsonStore> {
  const store = new LegacyJsonStore(options);
  await store.load();
  return store;
}

function positive(value: number, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidInputError(field, `must be a positive number of milliseconds, got ${describe(value)}`);
  }
  return value;
}
