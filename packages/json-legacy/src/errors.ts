import { SkillMetricsError, StorageError, StoreBusyError } from '@skill-metrics/core/contract';

/** Where in a file a problem is: byte offset from the start, and 1-based line and column (in characters). */
export interface FilePosition {
  offset: number;
  line: number;
  column: number;
}

/**
 * The legacy file cannot be read: not JSON (torn, truncated, not UTF-8), not an object, or a value of
 * the wrong type inside. The file is left byte-for-byte as it was; nothing is written over it.
 */
export class LegacyFileError extends SkillMetricsError {
  /** The file's absolute path. */
  readonly path: string;
  /** Where the problem is, when it is at a place in the file. */
  readonly position: FilePosition | null;
  /** The JSON path of the bad value, e.g. `invocations[12].skill_name`; null for a syntax error. */
  readonly jsonPath: string | null;
  /** What is wrong, without the location. */
  readonly problem: string;

  constructor(
    path: string,
    problem: string,
    where: { position?: FilePosition | null; jsonPath?: string | null } = {},
    options?: { cause?: unknown },
  ) {
    const position = where.position ?? null;
    const jsonPath = where.jsonPath ?? null;
    const at = position ? `:${position.line}:${position.column} (byte ${position.offset})` : '';
    super('LEGACY_FILE', `${path}${at}: ${jsonPath ? `${jsonPath} ` : ''}${problem}`, options);
    this.path = path;
    this.position = position;
    this.jsonPath = jsonPath;
    this.problem = problem;
  }
}

/** The file's lock could not be taken in time, or was lost while writing; nothing was written. Retryable. */
export class LegacyLockError extends StoreBusyError {
  readonly path: string;
  constructor(path: string, problem: string, options?: { cause?: unknown }) {
    super(`${path}: ${problem}`, { ...options, code: 'LEGACY_LOCK' });
    this.path = path;
  }
}

/** Writing the file failed (disk full, permissions); the file on disk is the one before the write. */
export class LegacyWriteError extends StorageError {
  readonly path: string;
  constructor(path: string, problem: string, options?: { cause?: unknown }) {
    super('LEGACY_WRITE', `${path}: ${problem}`, false, options);
    this.path = path;
  }
}
