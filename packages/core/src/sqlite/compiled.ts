import type Database from 'better-sqlite3';
import { Column, is, Param, Placeholder } from 'drizzle-orm';

/**
 * Drizzle-built statements prepared straight on the better-sqlite3 connection, for the few paths
 * where Drizzle's per-call work (placeholder resolution with class checks on every parameter, and
 * generic row mapping) costs as much as SQLite itself.
 */

/** A write statement built by Drizzle, prepared on the better-sqlite3 connection. */
export interface CompiledWrite {
  run(values: object): Database.RunResult;
}

type Binder = (values: Record<string, unknown>) => unknown;

/**
 * Prepares a Drizzle-built write with its named placeholders resolved to positions once.
 * Nulls bind as SQL NULL (Drizzle's JSON columns would store the text `null`).
 */
export function compileWrite(
  client: Database.Database,
  query: { toSQL(): { sql: string; params: unknown[] } },
): CompiledWrite {
  const { sql, params } = query.toSQL();
  const binders = params.map(binderFor);
  const statement = client.prepare(sql);
  return { run: (values) => statement.run(bind(binders, values)) };
}

function binderFor(p: unknown): Binder {
  if (is(p, Param) && is(p.value, Placeholder)) {
    const name = p.value.name;
    const encoder = p.encoder;
    // Most columns store values as they are; skip the call for them.
    if (!encoder || encoder.mapToDriverValue === Column.prototype.mapToDriverValue) {
      return (values) => {
        const v = values[name];
        if (v === undefined) throw new Error(`no value for placeholder ${name}`);
        return v;
      };
    }
    return (values) => {
      const v = values[name];
      if (v === undefined) throw new Error(`no value for placeholder ${name}`);
      return v === null ? null : encoder ? encoder.mapToDriverValue(v) : v;
    };
  }
  if (is(p, Placeholder)) {
    const name = p.name;
    return (values) => values[name] ?? null;
  }
  return () => p;
}

function bind(binders: Binder[], values: object): unknown[] {
  const bound = new Array(binders.length);
  for (let i = 0; i < binders.length; i++) bound[i] = (binders[i] as Binder)(values as Record<string, unknown>);
  return bound;
}

/**
 * Prepares a Drizzle-built read whose rows come back as arrays, in the order of its selected fields,
 * for the caller to map; placeholders are bound as in `compileWrite`.
 */
export function compileRowsRead<Row extends readonly unknown[] = unknown[]>(
  client: Database.Database,
  query: { toSQL(): { sql: string; params: unknown[] } },
): (values?: object) => Row[] {
  const { sql, params } = query.toSQL();
  const binders = params.map(binderFor);
  const statement = client.prepare(sql).raw(true);
  return (values = {}) => statement.all(bind(binders, values)) as Row[];
}

/** Like `compileRowsRead`, for a statement that gives one row (a read, or a write with RETURNING). */
export function compileRowRead<Row extends readonly unknown[] = unknown[]>(
  client: Database.Database,
  query: { toSQL(): { sql: string; params: unknown[] } },
): (values?: object) => Row | undefined {
  const { sql, params } = query.toSQL();
  const binders = params.map(binderFor);
  const statement = client.prepare(sql).raw(true);
  return (values = {}) => statement.get(bind(binders, values)) as Row | undefined;
}
