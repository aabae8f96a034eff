import type pg from 'pg';
import type { Invocation } from '../contract/types.js';
import type { CheckedInvocation } from '../engine/record.js';
import { copyColumns } from './copy.js';

/** How invocations go into and come out of PostgreSQL's `skill_invocation`. */

/** The columns of an invocation, in the order of `InvocationRow`. */
export const INVOCATION_COLUMNS =
  'id, skill_name, invoked_at, workflow_path, completed, completed_at, duration_seconds, error_type, follow_up_actions, session_id, project_path, user_context';

export interface InvocationRow {
  id: string;
  skill_name: string;
  invoked_at: string;
  workflow_path: string | null;
  completed: boolean;
  completed_at: string | null;
  duration_seconds: number | null;
  error_type: string | null;
  follow_up_actions: string[];
  session_id: string | null;
  project_path: string | null;
  user_context: Record<string, unknown> | null;
}

export function invocationOfRow(row: InvocationRow): Invocation {
  return {
    id: row.id,
    skillName: row.skill_name,
    invokedAt: row.invoked_at,
    workflowPath: row.workflow_path,
    completed: row.completed,
    completedAt: row.completed_at,
    durationSeconds: row.duration_seconds,
    errorType: row.error_type,
    followUpActions: row.follow_up_actions,
    sessionId: row.session_id,
    projectPath: row.project_path,
    userContext: row.user_context,
    status: row.completed_at === null ? 'pending' : row.completed ? 'completed' : 'abandoned',
  };
}

/**
 * Inserts the invocations not stored yet, all in one statement (one array per column, unnested),
 * and gives the ids it inserted. Of two with one id, the first is inserted.
 */
export const INSERT_NEW = `
  INSERT INTO skill_invocation (${INVOCATION_COLUMNS})
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::text[],
    $7::float8[], $8::text[], $9::jsonb[], $10::text[], $11::text[], $12::jsonb[])
  ON CONFLICT (id) DO NOTHING
  RETURNING id`;

/** The parameters of `INSERT_NEW` for `batch`. */
export function insertParameters(batch: readonly (CheckedInvocation | Invocation)[]): unknown[][] {
  const columns: unknown[][] = Array.from({ length: 12 }, () => new Array(batch.length));
  batch.forEach((inv, i) => {
    (columns[0] as unknown[])[i] = inv.id;
    (columns[1] as unknown[])[i] = inv.skillName;
    (columns[2] as unknown[])[i] = inv.invokedAt;
    (columns[3] as unknown[])[i] = inv.workflowPath;
    (columns[4] as unknown[])[i] = inv.completed;
    (columns[5] as unknown[])[i] = inv.completedAt;
    (columns[6] as unknown[])[i] = inv.durationSeconds;
    (columns[7] as unknown[])[i] = inv.errorType;
    (columns[8] as unknown[])[i] = JSON.stringify(inv.followUpActions);
    (columns[9] as unknown[])[i] = inv.sessionId;
    (columns[10] as unknown[])[i] = inv.projectPath;
    (columns[11] as unknown[])[i] = inv.userContext === null ? null : JSON.stringify(inv.userContext);
  });
  return columns;
}

/**
 * Inserts the batch's invocations not stored yet and gives their ids. A batch of ids all new (a
 * fresh import) goes in by COPY, about 1.7× faster than the insert; one with an id stored or given
 * twice (or with `copy` false), by `INSERT_NEW`. A writer that stores one of the ids in between
 * (another skill's, not locked out) fails the COPY, which then gives way to the insert.
 */
export async function insertNew(
  client: pg.ClientBase,
  batch: readonly CheckedInvocation[],
  copy: boolean,
): Promise<Set<string>> {
  const columns = insertParameters(batch);
  const ids = columns[0] as string[];
  const fresh =
    copy && new Set(ids).size === ids.length && !(await client.query<{ any: boolean }>(ANY_STORED, [ids])).rows[0]?.any;
  if (fresh) {
    await client.query('SAVEPOINT copy_new');
    try {
      await copyColumns(client, 'skill_invocation', INVOCATION_COLUMNS, columns);
      await client.query('RELEASE SAVEPOINT copy_new');
      return new Set(ids);
    } catch (error) {
      if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
      await client.query('ROLLBACK TO SAVEPOINT copy_new');
    }
  }
  return new Set((await client.query<{ id: string }>(INSERT_NEW, columns)).rows.map((row) => row.id));
}

const ANY_STORED = 'SELECT EXISTS (SELECT 1 FROM skill_invocation WHERE id = ANY($1::text[])) AS any';
const UNIQUE_VIOLATION = '23505';

/** Finishes pending invocations, one array per column; gives nothing. */
export const FINISH_MANY = `
  UPDATE skill_invocation AS i SET completed = u.completed, completed_at = u.completed_at,
    duration_seconds = u.duration_seconds, error_type = u.error_type, follow_up_actions = u.follow_up_actions
  FROM unnest($1::text[], $2::boolean[], $3::text[], $4::float8[], $5::text[], $6::jsonb[])
    AS u(id, completed, completed_at, duration_seconds, error_type, follow_up_actions)
  WHERE i.id = u.id AND i.completed_at IS NULL`;

export function finishParameters(finished: readonly CheckedInvocation[]): unknown[][] {
  return [
    finished.map((f) => f.id),
    finished.map((f) => f.completed),
    finished.map((f) => f.completedAt),
    finished.map((f) => f.durationSeconds),
    finished.map((f) => f.errorType),
    finished.map((f) => JSON.stringify(f.followUpActions)),
  ];
}
