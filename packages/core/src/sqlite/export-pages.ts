import type Database from 'better-sqlite3';
import { type ExportChunk, INVOCATION_SEPARATOR } from '../engine/export.js';
import { whenFree } from './busy.js';

/**
 * The export's invocations read from SQLite as text SQLite writes itself: one statement per page
 * turns its rows into `legacyInvocation` JSON and joins them, so a page crosses into JavaScript as
 * one buffer of UTF-8 rather than a dozen values a row to be formatted and encoded again.
 */

/** Invocations per page: about 1 MB of export text. */
const PAGE_SIZE = 2500;

/**
 * `legacyInvocation`'s keys, in its order, each with the SQL of its value from a `skill_invocation`
 * row, read as `invocationOfRow` reads it. A REAL is written with up to 17 significant digits, which
 * parse back to the very number stored.
 */
const FIELDS: ReadonlyArray<readonly [key: string, sql: string]> = [
  ['skill_name', 'skill_name'],
  ['invoked_at', 'invoked_at'],
  ['workflow_path', 'workflow_path'],
  ['completed', "json(CASE completed WHEN 1 THEN 'true' ELSE 'false' END)"],
  ['duration_seconds', 'duration_seconds'],
  ['follow_up_actions', 'json(follow_up_actions)'],
  ['error_type', 'error_type'],
  ['id', 'id'],
  ['status', "CASE WHEN completed_at IS NULL THEN 'pending' WHEN completed = 1 THEN 'completed' ELSE 'abandoned' END"],
  ['completed_at', 'completed_at'],
  ['session_id', 'session_id'],
  ['project_path', 'project_path'],
];

const sqlText = (text: string) => `'${text.replaceAll("'", "''").replaceAll('\n', "' || char(10) || '")}'`;

type Key = [invokedAt: string, id: string];

/**
 * Every invocation, in `(invokedAt, id)` order as `listInvocations` gives them, as export text a
 * page at a time. Each page is one read transaction of its own, so the connection stays free for
 * the store's other calls between pages; like `listInvocations`, an invocation written meanwhile
 * may or may not be included.
 */
export async function* exportPages(client: Database.Database, busyTimeoutMs: number): AsyncGenerator<ExportChunk> {
  // CAST AS BLOB hands over the bytes as SQLite holds them, which are the file's only in a UTF-8 database.
  const utf8 = client.pragma('encoding', { simple: true }) === 'UTF-8';
  const object = `json_object(${FIELDS.map(([key, sql]) => `'${key}', ${sql}`).join(', ')})`;
  const joined = `group_concat(${object}, ${sqlText(INVOCATION_SEPARATOR)} ORDER BY invoked_at, id)`;
  const select = `SELECT ${utf8 ? `CAST(${joined} AS BLOB)` : joined}, count(*) FROM skill_invocation`;
  const after = '(invoked_at, id) > (?, ?)';
  const lastOfPage = client
    .prepare(`SELECT invoked_at, id FROM skill_invocation WHERE ${after} ORDER BY invoked_at, id LIMIT 1 OFFSET ?`)
    .raw(true);
  const upTo = client.prepare(`${select} WHERE ${after} AND (invoked_at, id) <= (?, ?)`).raw(true);
  const rest = client.prepare(`${select} WHERE ${after}`).raw(true);
  // The page's last key and its text from one snapshot: a row written between them cannot be listed twice.
  const readPage = client.transaction((from: Key) => {
    const last = lastOfPage.get(...from, PAGE_SIZE - 1) as Key | undefined;
    const [text, count] = (last ? upTo.get(...from, ...last) : rest.get(...from)) as [string | Uint8Array, number];
    return { text, count, last };
  });
  let from: Key = ['', ''];
  for (;;) {
    const page = await whenFree(() => readPage(from), busyTimeoutMs);
    if (page.count > 0) yield { text: page.text, count: page.count };
    if (page.last === undefined) return;
    from = page.last;
  }
}
