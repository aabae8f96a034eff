import { type SQL, sql } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import {
  projectSkill,
  sessionSkill,
  skillCount,
  skillInvocation,
  skillTimeline,
  skillTimelineDay,
  skillTotals,
  skillWorkflowPath,
} from '../schema/sqlite.js';

/** The tables the store's Drizzle database knows. */
export const schema = {
  skillInvocation,
  skillTotals,
  skillWorkflowPath,
  skillCount,
  sessionSkill,
  projectSkill,
  skillTimeline,
  skillTimelineDay,
};
export type Db = BetterSQLite3Database<typeof schema>;

/** The skill name under which the timeline tables keep every skill's sum; no skill can be named ''. */
export const ALL_SKILLS = '';

export const p = sql.placeholder;
/** A placeholder in `update().set()`, where Drizzle encodes it through the column (its types want SQL there). */
export const setTo = (name: string) => p(name) as unknown as SQL;
export const excluded = (column: string) => sql.raw(`excluded.${column}`);
/** `{ key: placeholder('key') }` for each key. */
export const placeholders = <K extends string>(...keys: K[]) =>
  Object.fromEntries(keys.map((k) => [k, p(k)])) as unknown as Record<K, SQL>;
