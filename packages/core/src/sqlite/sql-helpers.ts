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

/** The skill name under which the timeline tables keep every skill's sum. */
export const ALL_SKILLS = '';

/**
 * A skill's key in the timeline tables: its name, except for the skill named '' (kept from a legacy
 * file), whose rows are keyed by an empty BLOB — a value no text equals, '' of the every-skill sums
 * included.
 */
export function timelineKey(skillName: string): string | Buffer {
  return skillName === ALL_SKILLS ? EMPTY_NAME : skillName;
}

const EMPTY_NAME = Buffer.alloc(0);

export const p = sql.placeholder;
/** A placeholder in `update().set()`, where Drizzle encodes it through the column (its types want SQL there). */
export const setTo = (name: string) => p(name) as unknown as SQL;
export const excluded = (column: string) => sql.raw(`excluded.${column}`);
/** `{ key: placeholder('key') }` for each key. */
export const placeholders = <K extends string>(...keys: K[]) =>
  Object.fromEntries(keys.map((k) => [k, p(k)])) as unknown as Record<K, SQL>;
