/**
 * The storage modes of a dual store and what each does with a call (DESIGN.md section 5):
 *
 * | mode         | writes          | reads from | shadow read |
 * | ------------ | --------------- | ---------- | ----------- |
 * | `legacy`     | JSON            | JSON       | —           |
 * | `dual-write` | JSON, then DB   | JSON       | —           |
 * | `verify`     | JSON, then DB   | JSON       | DB          |
 * | `db-primary` | DB, then JSON   | DB         | JSON        |
 * | `db`         | DB              | DB         | —           |
 */
export const STORAGE_MODES = ['legacy', 'dual-write', 'verify', 'db-primary', 'db'] as const;

export type StorageMode = (typeof STORAGE_MODES)[number];

/**
 * The modes in rollout order, most advanced first: the order of a flagd `fractional` rule that
 * agrees with the built-in bucketing, and the order a step back walks.
 */
export const ROLLOUT_ORDER: readonly StorageMode[] = ['db', 'db-primary', 'verify', 'dual-write', 'legacy'];

export type Side = 'legacy' | 'db';

export interface Route {
  /** The store that serves reads and whose failure fails the call. */
  primary: Side;
  /** The store written after the primary (its failures never reach the caller), if any. */
  secondary: Side | null;
  /** Whether sampled reads are also served by the secondary and compared. */
  shadow: boolean;
}

export const ROUTES: Readonly<Record<StorageMode, Route>> = {
  legacy: { primary: 'legacy', secondary: null, shadow: false },
  'dual-write': { primary: 'legacy', secondary: 'db', shadow: false },
  verify: { primary: 'legacy', secondary: 'db', shadow: true },
  'db-primary': { primary: 'db', secondary: 'legacy', shadow: true },
  db: { primary: 'db', secondary: null, shadow: false },
};

export function isStorageMode(value: unknown): value is StorageMode {
  return typeof value === 'string' && (STORAGE_MODES as readonly string[]).includes(value);
}

/** The mode one step back from `mode` in rollout order (`legacy` stays `legacy`). */
export function stepBack(mode: StorageMode): StorageMode {
  const at = ROLLOUT_ORDER.indexOf(mode);
  return ROLLOUT_ORDER[Math.min(at + 1, ROLLOUT_ORDER.length - 1)] as StorageMode;
}

/** How far along the rollout `mode` is: 0 for `legacy`, 4 for `db`. */
export function rolloutStage(mode: StorageMode): number {
  return ROLLOUT_ORDER.length - 1 - ROLLOUT_ORDER.indexOf(mode);
}
