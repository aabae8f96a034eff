import { hash } from 'node:crypto';
import { formatUuid, writeMillis } from '@skill-metrics/core/contract';

/**
 * Ids for the invocations of a legacy file, which has none of its own. They are part of the on-disk
 * contract: every import of a file, by every version, must give each invocation the same id, or a
 * re-import would add every invocation again.
 */

/** The date and time of day of an ISO-8601 text, to the millisecond, without its offset. */
const WALL_CLOCK = /^(\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:\.\d{1,3})?)?)/;

/** The fields of a legacy file's invocation that never change once it is written. */
export interface LegacyIdentity {
  skill_name: unknown;
  invoked_at: unknown;
  workflow_path: unknown;
}

/**
 * The id of the invocation at `ordinal` (0-based) in a legacy file. Derived from what never changes
 * once written — the skill, the raw `invoked_at` text, the workflow path, and the position — so every
 * reader, and every import of the same file, agrees on it. Shaped as a UUIDv8 whose first 48 bits are
 * the `invoked_at` wall-clock time read as if it were UTC, so ids sort near time order whatever zone
 * the file was written in, and inserts keep index locality.
 */
export function legacyInvocationId(inv: LegacyIdentity, ordinal: number): string {
  const digest = hash(
    'sha256',
    JSON.stringify([ordinal, inv.skill_name, inv.invoked_at, inv.workflow_path ?? null]),
    'buffer',
  );
  const b = new Uint8Array(digest.buffer, digest.byteOffset, 16);
  const clock = typeof inv.invoked_at === 'string' ? WALL_CLOCK.exec(inv.invoked_at) : null;
  const wall = clock ? Date.parse(`${clock[1]}Z`) : Number.NaN;
  if (Number.isFinite(wall) && wall >= 0) writeMillis(b, wall);
  b[6] = 0x80 | ((b[6] ?? 0) & 0x0f);
  b[8] = 0x80 | ((b[8] ?? 0) & 0x3f);
  return formatUuid(b);
}
