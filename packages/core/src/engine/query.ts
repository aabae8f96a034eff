import { describe, InvalidInputError } from '../contract/errors.js';
import { toCanonicalTimestamp } from '../contract/time.js';
import type { Invocation, InvocationQuery, InvocationStatus } from '../contract/types.js';
import { checkOptions, checkSkillName, checkText } from './checks.js';
import { compareText } from './text.js';

/**
 * The checks of what a reader asks for — a listing's query, percentiles, a search's limit — and, for
 * stores that hold their invocations in memory, the listing's filter and order.
 */

/** A checked `InvocationQuery`: `since` and `until` canonical. */
export type InvocationFilter = Omit<InvocationQuery, 'pageSize'>;

export const DEFAULT_PAGE_SIZE = 500;
const QUERY_KEYS: ReadonlySet<string> = new Set([
  'skillName',
  'sessionId',
  'projectPath',
  'status',
  'since',
  'until',
  'pageSize',
]);
const STATUSES: ReadonlySet<unknown> = new Set(['pending', 'completed', 'abandoned']);

export function checkInvocationQuery(query: unknown): { filter: InvocationFilter; pageSize: number } {
  if (query === undefined) return { filter: {}, pageSize: DEFAULT_PAGE_SIZE };
  const q = checkOptions(query, 'query', QUERY_KEYS);
  const filter: InvocationFilter = {};
  if (q.skillName !== undefined) filter.skillName = checkSkillName(q.skillName, 'query.skillName');
  if (q.sessionId !== undefined) filter.sessionId = checkText(q.sessionId, 'query.sessionId');
  if (q.projectPath !== undefined) filter.projectPath = checkText(q.projectPath, 'query.projectPath');
  if (q.since !== undefined) filter.since = toCanonicalTimestamp(q.since, { field: 'query.since' });
  if (q.until !== undefined) filter.until = toCanonicalTimestamp(q.until, { field: 'query.until' });
  if (q.status !== undefined) {
    if (!STATUSES.has(q.status)) {
      throw new InvalidInputError('query.status', `must be pending, completed or abandoned, got ${describe(q.status)}`);
    }
    filter.status = q.status as InvocationStatus;
  }
  const pageSize = q.pageSize === undefined ? DEFAULT_PAGE_SIZE : checkCount(q.pageSize, 'query.pageSize');
  return { filter, pageSize };
}

/** Whether `inv` passes every condition of `filter`. */
export function matchesFilter(inv: Invocation, filter: InvocationFilter): boolean {
  return (
    (filter.skillName === undefined || inv.skillName === filter.skillName) &&
    (filter.sessionId === undefined || inv.sessionId === filter.sessionId) &&
    (filter.projectPath === undefined || inv.projectPath === filter.projectPath) &&
    (filter.status === undefined || inv.status === filter.status) &&
    (filter.since === undefined || inv.invokedAt >= filter.since) &&
    (filter.until === undefined || inv.invokedAt < filter.until)
  );
}

/** The listing order of every store: by start time, then id (code-point order). */
export function byStartThenId(a: Invocation, b: Invocation): number {
  return a.invokedAt < b.invokedAt ? -1 : a.invokedAt > b.invokedAt ? 1 : compareText(a.id, b.id);
}

/** A whole number ≥ 1 (a page size, a limit). */
export function checkCount(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidInputError(field, `must be a positive whole number, got ${describe(value)}`);
  }
  return value;
}

/** Percentiles to compute: an array of numbers in [0, 1]. */
export function checkQuantiles(qs: unknown): readonly number[] {
  if (!Array.isArray(qs))
    throw new InvalidInputError('qs', `must be an array of numbers in [0, 1], got ${describe(qs)}`);
  qs.forEach((q, i) => {
    if (typeof q !== 'number' || !(q >= 0 && q <= 1)) {
      throw new InvalidInputError(`qs[${i}]`, `must be a number in [0, 1], got ${describe(q)}`);
    }
  });
  return qs as number[];
}
