import { afterEach, expect } from 'vitest';

/** `percentile_cont` written out from its definition, independent of the stores' own code. */
export function referencePercentile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const position = q * (s.length - 1);
  const below = Math.floor(position);
  const lower = s[below] as number;
  return lower + (position - below) * ((s[Math.ceil(position)] as number) - lower);
}

/** Asserts `actual` is within 1 % of `exact` (both null, or both zero, count as equal). */
export function expectWithinOnePercent(actual: number | null | undefined, exact: number | null, label = ''): void {
  if (exact === null) {
    expect(actual, label).toBeNull();
    return;
  }
  expect(actual, label).not.toBeNull();
  if (exact === 0) expect(actual, label).toBe(0);
  else expect(Math.abs((actual as number) - exact) / exact, label).toBeLessThanOrEqual(0.01);
}

/** Opens stores with `open` for one describe block, and closes every one after each test. */
export function closingAfterEach<S extends { close(): Promise<void> }, O>(
  open: (options?: O) => Promise<S>,
): (options?: O) => Promise<S> {
  const opened: S[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });
  return async (options) => {
    const store = await open(options);
    opened.push(store);
    return store;
  };
}
