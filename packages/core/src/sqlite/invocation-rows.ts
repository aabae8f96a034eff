import { and, eq, isNotNull, isNull, type SQL, sql } from 'drizzle-orm';
import type { Invocation } from '../contract/types.js';
import type { InvocationFilter } from '../engine/query.js';
import { skillInvocation as inv } from '../schema/sqlite.js';

/** An invocation's columns, in the order `invocationOfRow` reads them. */
export const invocationColumns = {
  id: inv.id,
  skillName: inv.skillName,
  invokedAt: inv.invokedAt,
  workflowPath: inv.workflowPath,
  completed: inv.completed,
  completedAt: inv.completedAt,
  durationSeconds: inv.durationSeconds,
  errorType: inv.errorType,
  followUpActions: inv.followUpActions,
  sessionId: inv.sessionId,
  projectPath: inv.projectPath,
  userContext: inv.userContext,
};

/** A row of `invocationColumns` as SQLite gives it: booleans as 0/1, JSON columns as text. */
export type InvocationRow = [
  id: string,
  skillName: string,
  invokedAt: string,
  workflowPath: string | null,
  completed: number,
  completedAt: string | null,
  durationSeconds: number | null,
  errorType: string | null,
  followUpActions: string,
  sessionId: string | null,
  projectPath: string | null,
  userContext: string | null,
];

/**
 * The contract's invocation from a raw row. Mapped by hand rather than by Drizzle's generic row
 * mapper, which costs more than SQLite's own lookup on the reads that fetch thousands of rows.
 */
export function invocationOfRow(row: InvocationRow): Invocation {
  const completed = row[4] === 1;
  const completedAt = row[5];
  return {
    id: row[0],
    skillName: row[1],
    invokedAt: row[2],
    workflowPath: row[3],
    completed,
    completedAt,
    durationSeconds: row[6],
    errorType: row[7],
    followUpActions: row[8] === '[]' ? [] : JSON.parse(row[8]),
    sessionId: row[9],
    projectPath: row[10],
    userContext: row[11] === null ? null : JSON.parse(row[11]),
    status: completedAt === null ? 'pending' : completed ? 'completed' : 'abandoned',
  };
}

/** The SQL condition of a listing's filter. */
export function whereOf(filter: InvocationFilter): SQL | undefined {
  const conditions: SQL[] = [];
  if (filter.skillName !== undefined) conditions.push(eq(inv.skillName, filter.skillName));
  if (filter.sessionId !== undefined) conditions.push(eq(inv.sessionId, filter.sessionId));
  if (filter.projectPath !== undefined) conditions.push(eq(inv.projectPath, filter.projectPath));
  if (filter.since !== undefined) conditions.push(sql`${inv.invokedAt} >= ${filter.since}`);
  if (filter.until !== undefined) conditions.push(sql`${inv.invokedAt} < ${filter.until}`);
  if (filter.status === 'pending') conditions.push(isNull(inv.completedAt));
  else if (filter.status !== undefined) {
    conditions.push(and(isNotNull(inv.completedAt), eq(inv.completed, filter.status === 'completed')) as SQL);
  }
  return conditions.length > 0 ? and(...conditions) : undefined;
}
