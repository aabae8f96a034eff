import { ROLLOUT_ORDER, rolloutStage, type StorageMode, stepBack } from '@skill-metrics/dual';
import { FORWARD_ORDER, type Shares } from './flag-file.js';

/** A move of `percent` points of share from one mode to the next one forward or back. */
export interface Step {
  from: StorageMode;
  to: StorageMode;
  percent: number;
  shares: Shares;
}

/** The mode one step forward from `mode` in rollout order (`db` has none). */
function stepForward(mode: StorageMode): StorageMode | null {
  const at = ROLLOUT_ORDER.indexOf(mode);
  return at === 0 ? null : (ROLLOUT_ORDER[at - 1] as StorageMode);
}

function move(shares: Shares, from: StorageMode, to: StorageMode, percent: number): Step {
  return { from, to, percent, shares: { ...shares, [from]: shares[from] - percent, [to]: shares[to] + percent } };
}

/**
 * The next step forward: the share of the least advanced mode that has one moves to the mode after
 * it — all of it, or `step` points of it (fewer if it holds fewer). One stage at a time, so no
 * session skips a mode. `null` when every share is at `db` already.
 */
export function advanceStep(shares: Shares, step?: number): Step | null {
  const from = FORWARD_ORDER.find((m) => shares[m] > 0) as StorageMode;
  const to = stepForward(from);
  if (to === null) return null;
  return move(shares, from, to, Math.min(step ?? shares[from], shares[from]));
}

/**
 * The step back: the whole share of the most advanced mode that has one moves one mode back
 * (`stepBack`). `null` when every share is at `legacy` already.
 */
export function backStep(shares: Shares): Step | null {
  const from = ROLLOUT_ORDER.find((m) => shares[m] > 0) as StorageMode;
  if (rolloutStage(from) === 0) return null;
  return move(shares, from, stepBack(from), shares[from]);
}
