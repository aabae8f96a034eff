// Real stores for the dual store's tests: a legacy JSON file and a SQLite file, each test its own.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@skill-metrics/core';
import type { AnalyticsStore } from '@skill-metrics/core/contract';
import type { EngineOptions } from '@skill-metrics/core/engine';
import {
  type DualStore,
  type DualStoreOptions,
  type Mismatch,
  openDualStore,
  type StorageMode,
} from '@skill-metrics/dual';
import { openLegacyStore } from '@skill-metrics/json-legacy';

const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-dual-'));
let n = 0;

export interface Paths {
  legacy: string;
  db: string;
}

export function freshPaths(): Paths {
  const k = n++;
  return { legacy: join(dir, `legacy-${k}.json`), db: join(dir, `db-${k}.db`) };
}

/** A logger that keeps its lines, for tests to read. */
export function keptLines() {
  const lines: string[] = [];
  return { lines, logger: { warn: (m: string) => lines.push(m), error: (m: string) => lines.push(`error: ${m}`) } };
}

/** Opens the database side for `paths` (the same database again for the same paths). */
export type DatabaseOpener = (paths: Paths, engine?: EngineOptions) => Promise<AnalyticsStore>;

const sqliteAt: DatabaseOpener = (paths, engine) => openStore({ path: paths.db, ...engine });

/** Opens both stores on `paths` (the engine's options for both) and a dual store over them. */
export async function openDual(
  paths: Paths,
  options: Partial<DualStoreOptions> & {
    engine?: EngineOptions;
    mode?: StorageMode;
    lockStaleMs?: number;
    /** The database side. @default a SQLite file at `paths.db` */
    openDb?: DatabaseOpener;
  } = {},
): Promise<DualStore> {
  const { engine, mode, lockStaleMs, openDb = sqliteAt, ...rest } = options;
  const legacy = await openLegacyStore({ path: paths.legacy, timeZone: 'UTC', durable: false, lockStaleMs, ...engine });
  const db = await openDb(paths, engine);
  return openDualStore({ legacy, db, flag: mode, logger: keptLines().logger, ...rest });
}

/** A publisher that keeps what it is given. */
export function keptMismatches() {
  const mismatches: Mismatch[] = [];
  return { mismatches, publisher: { publish: (m: Mismatch) => void mismatches.push(m) } };
}

/**
 * `store` with some methods failing while `failing.on` is true: each rejects with `error()` —
 * a store that cannot write (a full disk, a broken connection) as its callers see it.
 */
export function withFailures<T extends object>(store: T, methods: readonly string[], error: () => Error) {
  const failing = { on: false };
  const wrapped = new Proxy(store, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      if (typeof key === 'string' && methods.includes(key)) {
        return (...args: unknown[]) => (failing.on ? Promise.reject(error()) : value.apply(target, args));
      }
      return value.bind(target);
    },
  });
  return { store: wrapped, failing };
}

/** `store` with every read delayed by `ms`. */
export function withSlowReads<T extends object>(store: T, reads: readonly string[], ms: number): T {
  return new Proxy(store, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      if (typeof key === 'string' && reads.includes(key)) {
        return async (...args: unknown[]) => {
          await new Promise((resolve) => setTimeout(resolve, ms));
          return value.apply(target, args);
        };
      }
      return value.bind(target);
    },
  });
}
