/**
 * Every error a store raises on purpose is a `SkillMetricsError`; `code` is stable for programs,
 * `message` says what was wrong and where. A store that raises one has changed nothing.
 */
export class SkillMetricsError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** An argument is missing, of the wrong type or out of range. `field` names it. */
export class InvalidInputError extends SkillMetricsError {
  readonly field: string;
  /** What is wrong with it, e.g. `must not be negative, got -1`. */
  readonly problem: string;
  constructor(field: string, problem: string) {
    super('INVALID_INPUT', `${field} ${problem}`);
    this.field = field;
    this.problem = problem;
  }
}

/** No invocation with this id is stored. */
export class UnknownInvocationError extends SkillMetricsError {
  readonly invocationId: string;
  constructor(invocationId: string) {
    super('UNKNOWN_INVOCATION', `no invocation with id ${JSON.stringify(invocationId)}`);
    this.invocationId = invocationId;
  }
}

/** The invocation was already completed or abandoned; it counts once. */
export class InvocationAlreadyCompletedError extends SkillMetricsError {
  readonly invocationId: string;
  constructor(invocationId: string) {
    super('ALREADY_COMPLETED', `invocation ${JSON.stringify(invocationId)} is already finished`);
    this.invocationId = invocationId;
  }
}

/** An id was recorded again with different content. `fields` lists what differs. */
export class InvocationConflictError extends SkillMetricsError {
  readonly invocationId: string;
  readonly fields: string[];
  constructor(invocationId: string, fields: string[]) {
    super(
      'INVOCATION_CONFLICT',
      `invocation ${JSON.stringify(invocationId)} is already stored with a different ${fields.join(', ')}`,
    );
    this.invocationId = invocationId;
    this.fields = fields;
  }
}

/** The store was closed; open a new one. */
export class StoreClosedError extends SkillMetricsError {
  constructor() {
    super('STORE_CLOSED', 'the store is closed');
  }
}

/** The storage could not be opened: not a database, unreadable, or locked. The file is left as it was. */
export class StoreOpenError extends SkillMetricsError {
  readonly path: string;
  constructor(path: string, problem: string, options?: { cause?: unknown }) {
    super('STORE_OPEN', `cannot open ${path}: ${problem}`, options);
    this.path = path;
  }
}

/**
 * The storage itself failed — the database or file could not do what was asked — and nothing was
 * changed. `retryable` says whether the same call may succeed later (a lock held by another writer).
 */
export class StorageError extends SkillMetricsError {
  readonly retryable: boolean;
  constructor(code: string, message: string, retryable: boolean, options?: { cause?: unknown }) {
    super(code, message, options);
    this.retryable = retryable;
  }
}

/** Another writer held the lock past the store's timeout. Retryable. */
export class StoreBusyError extends StorageError {
  constructor(message: string, options?: { cause?: unknown; code?: string }) {
    super(options?.code ?? 'STORE_BUSY', message, true, options);
  }
}

/** The storage is read-only: opened so, or its file or folder cannot be written. */
export class StoreReadOnlyError extends StorageError {
  constructor(message: string, options?: { cause?: unknown; code?: string }) {
    super(options?.code ?? 'STORE_READONLY', message, false, options);
  }
}

/** The disk, or the database's size limit, is full. */
export class StoreFullError extends StorageError {
  constructor(message: string, options?: { cause?: unknown; code?: string }) {
    super(options?.code ?? 'STORE_FULL', message, false, options);
  }
}

/** The storage could not be read or written (an I/O error, a damaged file). */
export class StoreIOError extends StorageError {
  constructor(message: string, options?: { cause?: unknown; code?: string }) {
    super(options?.code ?? 'STORE_IO', message, false, options);
  }
}

/** The connection to the database server was lost or refused; nothing was changed. Retryable: the next call reconnects. */
export class StoreConnectionError extends StorageError {
  constructor(message: string, options?: { cause?: unknown; code?: string }) {
    super(options?.code ?? 'STORE_CONNECTION', message, true, options);
  }
}

/** A call came at a time it cannot be answered (a reader's summary before the end of the file). */
export class InvalidStateError extends SkillMetricsError {
  constructor(message: string) {
    super('INVALID_STATE', message);
  }
}

/** The database's migrations do not match the ones this version ships (changed, unknown or newer). */
export class MigrationError extends SkillMetricsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('MIGRATION', message, options);
  }
}

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return `the string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)}`;
    case 'object':
      return value instanceof Date ? 'a Date' : 'an object';
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    case 'bigint':
      return `the bigint ${value}n`;
    default:
      return `${typeof value} ${String(value)}`;
  }
}
