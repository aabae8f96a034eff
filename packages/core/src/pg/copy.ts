import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import copyStreams from 'pg-copy-streams';

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A value as a field of COPY's text format: `\N` for null, `t`/`f`, and text with its escapes. */
function field(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  // A number's shortest form reads back as the same double.
  const text = String(value);
  return /[\\\n\r\t]/.test(text) ? text.replace(/[\\\n\r\t]/g, (c) => ESCAPES[c] as string) : text;
}

/**
 * Streams rows into `table` with `COPY … FROM STDIN`, given one array per column in `columnList`'s
 * order (as the unnest insert takes them): the fastest way into PostgreSQL. A row that breaks a
 * constraint fails the whole COPY.
 */
export async function copyColumns(client: pg.ClientBase, table: string, columnList: string, columns: unknown[][]) {
  const rows = columns[0]?.length ?? 0;
  let text = '';
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns.length; c++) text += (c === 0 ? '' : '\t') + field((columns[c] as unknown[])[r]);
    text += '\n';
  }
  await pipeline(Readable.from([text]), client.query(copyStreams.from(`COPY ${table} (${columnList}) FROM STDIN`)));
}
