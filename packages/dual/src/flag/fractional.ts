import { describe } from '@skill-metrics/core/contract';
import { isStorageMode, ROLLOUT_ORDER, type StorageMode } from '../modes.js';
import { murmur3x86 } from './murmur3.js';

/** Whole percentages per mode; what they leave below 100 goes to `legacy`. */
export type ModeShares = Partial<Record<StorageMode, number>>;

const utf8 = new TextEncoder();

/**
 * The shares as checked: every key a mode, every value a whole percentage, at most 100 in all,
 * with `legacy` given the rest. Throws an `Error` saying what is wrong (the flag logs it).
 */
export function checkShares(value: unknown): Readonly<Record<StorageMode, number>> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`the shares must be an object of mode → percentage, got ${describe(value)}`);
  }
  const shares = { db: 0, 'db-primary': 0, verify: 0, 'dual-write': 0, legacy: 0 };
  let sum = 0;
  for (const [mode, share] of Object.entries(value)) {
    if (!isStorageMode(mode))
      throw new Error(`unknown mode ${JSON.stringify(mode)} (modes: ${ROLLOUT_ORDER.join(', ')})`);
    if (!Number.isInteger(share) || (share as number) < 0 || (share as number) > 100) {
      throw new Error(`the share of ${mode} must be a whole percentage 0–100, got ${describe(share)}`);
    }
    shares[mode] = share as number;
    sum += share as number;
  }
  if (sum > 100) throw new Error(`the shares add up to ${sum} %, more than 100`);
  shares.legacy += 100 - sum;
  return shares;
}

/**
 * The bucket of `targetingKey` in [0, 100): flagd's `fractional`, version 2 — MurmurHash3 x86-32,
 * seed 0, over the UTF-8 bytes of `flagKey + targetingKey`, then `(hash × 100) >> 32`.
 */
export function bucketOf(flagKey: string, targetingKey: string): number {
  const hash = murmur3x86(utf8.encode(flagKey + targetingKey));
  // hash × 100 < 2^39: exact in a double, so the division is the shift.
  return Math.floor((hash * 100) / 2 ** 32);
}

/**
 * The mode of `targetingKey` under `shares`: the modes laid out in rollout order, most advanced
 * first, each over its share of the 100 buckets. Moving share from a mode to a more advanced one
 * only ever moves a key forward.
 */
export function fractionalMode(
  flagKey: string,
  targetingKey: string,
  shares: Readonly<Record<StorageMode, number>>,
): StorageMode {
  const bucket = bucketOf(flagKey, targetingKey);
  let end = 0;
  for (const mode of ROLLOUT_ORDER) {
    end += shares[mode];
    if (bucket < end) return mode;
  }
  return 'legacy';
}

/** The mode a call without a targeting key gets: the largest share, ties to the less advanced mode. */
export function majorityMode(shares: Readonly<Record<StorageMode, number>>): StorageMode {
  let best: StorageMode = 'legacy';
  for (const mode of [...ROLLOUT_ORDER].reverse()) if (shares[mode] > shares[best]) best = mode;
  return best;
}
