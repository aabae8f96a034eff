import type Database from 'better-sqlite3';
import { is, Param, Placeholder } from 'drizzle-orm';

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
  const binders: Binder[] = params.map((p): Binder => {
    if (is(p, Param) && is(p.value, Placeholder)) {
      const name = p.value.name;
      const encoder = p.encoder;
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
  });
  const statement = client.prepare(sql);
  return {
    run(values) {
      const bound = new Array(binders.length);
      for (let i = 0; i < binders.length; i++) bound[i] = (binders[i] as Binder)(values as Record<string, unknown>);
      return statement.run(bound);
    },
  };
}

/**
 * Prepares a Drizzle-built read without parameters whose rows come back as arrays, in the order of
 * its selected fields, for the caller to map.
 */
export function compileRowsRead(client: Database.Database, query: { toSQL(): { sql: string } }): () => unknown[][] {
  const statement = client.prepare(query.toSQL().sql).raw(true);
  return () => statement.all() as unknown[][];
}
