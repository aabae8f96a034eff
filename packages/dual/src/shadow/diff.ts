/**
 * Comparing two answers to the same read, normalised as the stores may honestly differ: key order
 * (objects and maps compare by key), float noise in sums, and percentiles, which a database store
 * keeps in a sketch (within 1 %) and the file store computes exactly.
 */

/** One difference: where (a JSON pointer into the answer) and each side's value. */
export interface FieldDiff {
  path: string;
  primary: unknown;
  secondary: unknown;
}

/** How much two numbers may differ, relative to the larger, before they differ. */
const SUM_TOLERANCE = 1e-9;
/** The sketch's bound on a percentile, relative (contract: within 1 %). */
export const PERCENTILE_TOLERANCE = 0.01;
const PERCENTILE_KEY = /^p\d+DurationSeconds$/;

export interface DiffOptions {
  /** Every number in the answer is a percentile (`getDurationPercentiles`). */
  percentiles?: boolean;
  /** At most this many differences are listed. @default 50 */
  limit?: number;
}

const pointerKey = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

function numbersAgree(a: number, b: number, tolerance: number): boolean {
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return Number.isNaN(a) && Number.isNaN(b);
  return Math.abs(a - b) <= tolerance * Math.max(Math.abs(a), Math.abs(b), 1e-12);
}

function plain(value: unknown): unknown {
  return value instanceof Map ? Object.fromEntries(value) : value;
}

/**
 * Whether two answers agree, by the same rules as `diffAnswers` but building no paths: most
 * comparisons agree, and a checker makes millions of them.
 */
function agree(a: unknown, b: unknown, percentile: boolean): boolean {
  if (a === b) return true;
  a = plain(a);
  b = plain(b);
  if (typeof a === 'number' && typeof b === 'number') {
    return numbersAgree(a, b, percentile ? PERCENTILE_TOLERANCE : SUM_TOLERANCE);
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return Object.is(a, b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    if (a.length !== other.length) return false;
    for (let i = 0; i < a.length; i++) if (!agree(a[i], other[i], percentile)) return false;
    return true;
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  let count = 0;
  for (const key in left) {
    count++;
    if (!(key in right) || !agree(left[key], right[key], percentile || PERCENTILE_KEY.test(key))) return false;
  }
  for (const _ in right) count--;
  return count === 0;
}

/** The differences between `primary` and `secondary`, empty when they agree. */
export function diffAnswers(primary: unknown, secondary: unknown, options: DiffOptions = {}): FieldDiff[] {
  if (agree(primary, secondary, options.percentiles === true)) return [];
  const out: FieldDiff[] = [];
  const limit = options.limit ?? 50;
  const walk = (a: unknown, b: unknown, path: string, percentile: boolean): void => {
    if (out.length >= limit) return;
    a = plain(a);
    b = plain(b);
    if (typeof a === 'number' && typeof b === 'number') {
      if (!numbersAgree(a, b, percentile ? PERCENTILE_TOLERANCE : SUM_TOLERANCE)) {
        out.push({ path, primary: a, secondary: b });
      }
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      if (a.length !== b.length) {
        out.push({ path: `${path}/length`, primary: a.length, secondary: b.length });
      }
      for (let i = 0; i < Math.min(a.length, b.length); i++) walk(a[i], b[i], `${path}/${i}`, percentile);
      return;
    }
    if (
      a !== null &&
      b !== null &&
      typeof a === 'object' &&
      typeof b === 'object' &&
      !Array.isArray(a) &&
      !Array.isArray(b)
    ) {
      const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
      for (const key of [...keys].sort()) {
        const child = `${path}/${pointerKey(key)}`;
        if (!(key in a) || !(key in b)) {
          out.push({
            path: child,
            primary: (a as Record<string, unknown>)[key],
            secondary: (b as Record<string, unknown>)[key],
          });
          continue;
        }
        walk(
          (a as Record<string, unknown>)[key],
          (b as Record<string, unknown>)[key],
          child,
          percentile || PERCENTILE_KEY.test(key),
        );
      }
      return;
    }
    if (!Object.is(a, b)) out.push({ path, primary: a, secondary: b });
  };
  walk(primary, secondary, '', options.percentiles === true);
  return out;
}
