import { StorageError, StoreBusyError, StoreFullError, StoreIOError, StoreReadOnlyError } from '../contract/errors.js';

/**
 * SQLite's result codes as the contract's storage errors: a store never lets a raw `SqliteError`
 * reach its caller. The extended codes (`SQLITE_BUSY_SNAPSHOT`, `SQLITE_IOERR_FSYNC`, …) map with
 * their primary code.
 */
export function sqliteStorageError(error: unknown, path: string): StorageError {
  const code = String((error as { code?: unknown }).code ?? '');
  const message = `${path}: ${(error as Error).message ?? String(error)}`;
  const primary = code.replace(/^(SQLITE_[A-Z]+)_.*$/, '$1');
  switch (primary) {
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return new StoreBusyError(`${message} (another writer held the lock past the busy timeout)`, { cause: error });
    case 'SQLITE_READONLY':
      return new StoreReadOnlyError(message, { cause: error });
    case 'SQLITE_FULL':
      return new StoreFullError(message, { cause: error });
    case 'SQLITE_IOERR':
    case 'SQLITE_CORRUPT':
    case 'SQLITE_NOTADB':
    case 'SQLITE_CANTOPEN':
      return new StoreIOError(message, { cause: error });
    default:
      return new StorageError('STORE_FAILED', message, false, { cause: error });
  }
}
