import type { SkillMetrics } from '../contract/types.js';
import type { SkillCounts } from '../engine/counts.js';
import type { InvocationFilter } from '../engine/query.js';
import { toSkillMetrics } from '../engine/totals.js';

/** The reads of the PostgreSQL store that take more than a line: a skill's metrics, a filter, a search. */

const SKILL_COLUMNS = `t.skill_name, t.total_invocations, t.completed_invocations, t.abandoned_invocations,
    t.total_duration_seconds, t.first_invoked, t.last_invoked,
    t.p50_duration_seconds, t.p95_duration_seconds, t.p99_duration_seconds`;

/** A skill's row without its counts. */
export const SKILL_ROW_QUERY = `SELECT ${SKILL_COLUMNS} FROM skill_totals t`;

/** A skill's row with its counts (paths as `[path, count]`, the others as `[kind, key, count]`), in one statement. */
export const SKILL_METRICS_QUERY = `
  SELECT ${SKILL_COLUMNS},
    (SELECT coalesce(json_agg(json_build_array(p.workflow_path, p.invocation_count) ORDER BY p.workflow_path), '[]')
       FROM skill_workflow_path p WHERE p.skill_name = t.skill_name) AS paths,
    (SELECT coalesce(json_agg(json_build_array(c.kind, c.key, c.count) ORDER BY c.kind, c.key), '[]')
       FROM skill_count c WHERE c.skill_name = t.skill_name) AS counts
  FROM skill_totals t`;

/** A skill's metrics from its row and its counts. */
export function skillMetricsOf(row: Record<string, unknown>, counts: SkillCounts): SkillMetrics {
  return toSkillMetrics(
    {
      skillName: row.skill_name as string,
      totalInvocations: row.total_invocations as number,
      completedInvocations: row.completed_invocations as number,
      abandonedInvocations: row.abandoned_invocations as number,
      totalDurationSeconds: row.total_duration_seconds as number,
      ...counts,
      firstInvoked: row.first_invoked as string | null,
      lastInvoked: row.last_invoked as string | null,
    },
    {
      p50DurationSeconds: row.p50_duration_seconds as number | null,
      p95DurationSeconds: row.p95_duration_seconds as number | null,
      p99DurationSeconds: row.p99_duration_seconds as number | null,
    },
  );
}

/**
 * The WHERE clause of a listing's filter, its values numbered after `leading` (conditions that
 * already use `$1…`).
 */
export function whereOf(
  filter: InvocationFilter,
  leading: string[] = [],
  leadingValues: unknown[] = [],
): { sql: string; values: unknown[] } {
  const conditions = [...leading];
  const values = [...leadingValues];
  const add = (condition: (n: string) => string, value: unknown) => {
    values.push(value);
    conditions.push(condition(`$${values.length}`));
  };
  if (filter.skillName !== undefined) add((n) => `skill_name = ${n}`, filter.skillName);
  if (filter.sessionId !== undefined) add((n) => `session_id = ${n}`, filter.sessionId);
  if (filter.projectPath !== undefined) add((n) => `project_path = ${n}`, filter.projectPath);
  if (filter.since !== undefined) add((n) => `invoked_at >= ${n}`, filter.since);
  if (filter.until !== undefined) add((n) => `invoked_at < ${n}`, filter.until);
  if (filter.status === 'pending') conditions.push('completed_at IS NULL');
  else if (filter.status !== undefined) {
    conditions.push(`completed_at IS NOT NULL AND ${filter.status === 'completed' ? '' : 'NOT '}completed`);
  }
  return { sql: conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '', values };
}

/** PostgreSQL's longest lexeme is 2,047 bytes: a longer word is indexed, and asked for, by its start. */
const MAX_LEXEME_BYTES = 2046;

/** A folded word as a lexeme: whole, or its longest start that fits. */
export function lexemeOf(word: string): string {
  if (word.length * 3 <= MAX_LEXEME_BYTES || Buffer.byteLength(word) <= MAX_LEXEME_BYTES) return word;
  let bytes = 0;
  let end = 0;
  for (const ch of word) {
    bytes += Buffer.byteLength(ch);
    if (bytes > MAX_LEXEME_BYTES) break;
    end += ch.length;
  }
  return word.slice(0, end);
}

/**
 * The text search query of a search's folded words: each the start of a word of the path, all of
 * them. The words are lexemes already (folded as the index's were), quoted so that none is parsed.
 */
export function searchQuery(words: readonly string[]): string {
  return words.map((w) => `'${lexemeOf(w).replaceAll('\\', '\\\\').replaceAll("'", "''")}':*`).join(' & ');
}

/**
 * `getSkillOverview` in one statement: each skill's totals joined to its pending count (from the
 * partial index of pending invocations), a skill with only pending ones included; by name, which
 * is code-point order under the "C" collation.
 */
export const SKILL_OVERVIEW_QUERY = `
SELECT coalesce(t.skill_name, p.skill_name) AS "skillName",
  coalesce(t.completed_invocations, 0) AS "completedInvocations",
  coalesce(t.abandoned_invocations, 0) AS "abandonedInvocations",
  coalesce(p.pending, 0) AS "pendingInvocations",
  coalesce(t.total_duration_seconds, 0) AS "totalDurationSeconds",
  t.p50_duration_seconds AS "p50DurationSeconds",
  t.p95_duration_seconds AS "p95DurationSeconds",
  t.p99_duration_seconds AS "p99DurationSeconds"
FROM skill_totals t
FULL JOIN (
  SELECT skill_name, count(*)::integer AS pending
  FROM skill_invocation WHERE completed_at IS NULL GROUP BY skill_name
) p ON p.skill_name = t.skill_name
ORDER BY 1`;
