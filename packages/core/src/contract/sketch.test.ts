import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../testing/builders.js';
import { DurationSketch, exactPercentiles } from './sketch.js';

/** The accuracy the sketch promises (0.9 %), written out: the tests hold the code to it, not to its own constant. */
const PROMISED = 0.009;

const QS = [0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 1];

/** percentile_cont by its definition, written out without sharing code with either implementation. */
function reference(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const position = q * (s.length - 1);
  const below = Math.floor(position);
  const above = Math.ceil(position);
  const lower = s[below] as number;
  return lower + (position - below) * ((s[above] as number) - lower);
}

function expectWithin(actual: number | null, exact: number) {
  expect(actual).not.toBeNull();
  if (exact === 0) expect(actual).toBe(0);
  else expect(Math.abs((actual as number) - exact) / exact).toBeLessThanOrEqual(PROMISED + 1e-12);
}

describe('DurationSketch against values computed apart from it', () => {
  // Each value's bucket is ceil(log(x) / log γ), γ = 1.009 / 0.991, stood for by 2γ^i / (γ + 1);
  // percentile_cont interpolates between the two ranks around q (n - 1). Computed with Python.
  it.each([
    [
      Array.from({ length: 100 }, (_, i) => i + 1),
      [0, 0.5, 0.95, 1],
      [0.991, 50.607812071896326, 94.25369037612224, 99.39319766775351],
    ],
    [
      [0.2, 0.2, 5, 120],
      [0.5, 0.99],
      [2.6037513026350383, 115.5762001059674],
    ],
    [
      [0, 0, 3],
      [0.5, 0.9],
      [0, 2.420189486955555],
    ],
  ])('%j at %j', (values, qs, expected) => {
    const got = DurationSketch.of(values).quantiles(qs);
    got.forEach((value, i) => {
      expect(value).toBeCloseTo(expected[i] as number, 10);
    });
  });
});

describe('exactPercentiles', () => {
  it('is percentile_cont: tiny samples of 0, 1 and 2 values', () => {
    expect(exactPercentiles([], [0.5, 0.95])).toEqual([null, null]);
    expect(exactPercentiles([3], [0, 0.5, 0.99])).toEqual([3, 3, 3]);
    expect(exactPercentiles([1, 3], [0, 0.5, 0.95, 1])).toEqual([1, 2, 1 + 0.95 * 2, 3]);
    expect(exactPercentiles([10, 1, 5, 2], [0.5])).toEqual([3.5]);
  });

  it('agrees with the definition on random samples', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 }),
        (values) => {
          const got = exactPercentiles(values, QS);
          QS.forEach((q, i) => {
            expect(got[i]).toBeCloseTo(reference(values, q), 6);
          });
        },
      ),
    );
  });
});

describe('DurationSketch', () => {
  it('is empty, then exact for one value and within the accuracy for two', () => {
    expect(new DurationSketch().quantiles([0.5, 0.95, 0.99])).toEqual([null, null, null]);
    expectWithin(DurationSketch.of([2.5]).quantiles([0.5])[0] ?? null, 2.5);
    const two = DurationSketch.of([1, 3]).quantiles([0.5, 0.95]);
    expectWithin(two[0] ?? null, 2);
    expectWithin(two[1] ?? null, 2.9);
    expect(DurationSketch.of([0, 0, 0]).quantiles([0.5, 1])).toEqual([0, 0]);
  });

  it('stays within the relative accuracy of percentile_cont on skewed samples', () => {
    const rand = seededRandom(7);
    const samples = {
      lognormal: Array.from({ length: 20_000 }, () => Math.exp(rand() * 6 - 3)),
      'heavy tail': Array.from({ length: 20_000 }, () => 0.05 / (1 - rand()) ** 2),
      'mostly fast, few slow': Array.from({ length: 10_000 }, (_, i) =>
        i % 100 === 0 ? 300 + rand() * 60 : 0.01 + rand() * 0.02,
      ),
      'with zeros': Array.from({ length: 5_000 }, (_, i) => (i % 3 === 0 ? 0 : rand() * 10)),
      'microseconds to hours': Array.from({ length: 5_000 }, () => 10 ** (rand() * 10 - 6)),
    };
    for (const [name, values] of Object.entries(samples)) {
      const sketch = DurationSketch.of(values);
      const got = sketch.quantiles(QS);
      QS.forEach((q, i) => {
        const exact = reference(values, q);
        const error = exact === 0 ? Math.abs(got[i] as number) : Math.abs((got[i] as number) - exact) / exact;
        expect(error, `${name} q=${q}`).toBeLessThanOrEqual(PROMISED + 1e-12);
      });
    }
  });

  it('holds the accuracy for any sample (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1e-7, max: 1e7, noNaN: true }), { minLength: 1, maxLength: 300 }),
        fc.constantFrom(...QS),
        (values, q) => expectWithin(DurationSketch.of(values).quantiles([q])[0] ?? null, reference(values, q)),
      ),
    );
  });

  it('merges exactly, round-trips through its binary form, and stays small', () => {
    const rand = seededRandom(11);
    const values = Array.from({ length: 50_000 }, () => Math.exp(rand() * 9 - 4));
    const whole = DurationSketch.of(values);
    const halves = DurationSketch.of(values.slice(0, 20_000)).merge(DurationSketch.of(values.slice(20_000)));
    expect(halves.quantiles(QS)).toEqual(whole.quantiles(QS));
    const parts = [0, 1, 2, 3, 4].map((k) => DurationSketch.of(values.slice(k * 10_000, (k + 1) * 10_000)).encode());
    const summed = DurationSketch.sum([...parts, new DurationSketch().encode()]);
    expect(summed.quantiles(QS)).toEqual(whole.quantiles(QS));
    expect(summed.count).toBe(50_000);
    expect(DurationSketch.sum([]).quantiles([0.5])).toEqual([null]);
    expect(DurationSketch.quantilesOfSum(parts, QS)).toEqual(whole.quantiles(QS));
    expect(DurationSketch.quantilesOfSum([], QS)).toEqual(QS.map(() => null));
    const bytes = whole.encode();
    expect(DurationSketch.decode(bytes).quantiles(QS)).toEqual(whole.quantiles(QS));
    expect(DurationSketch.decode(bytes).count).toBe(50_000);
    expect(bytes.length).toBeLessThan(8 * 600); // 9 factors of e: hundreds of buckets, not 50,000 values
  });

  it('built from values at once, has the very bytes of adding them one by one', () => {
    const rand = seededRandom(5);
    const values = Array.from({ length: 5000 }, (_, i) => (i % 50 === 0 ? 0 : i % 77 === 0 ? -1 : rand() * 300));
    const oneByOne = new DurationSketch();
    for (const v of values) oneByOne.add(v);
    expect(Buffer.compare(DurationSketch.of(values).encode(), oneByOne.encode())).toBe(0);
    expect(DurationSketch.of(values).zeroCount).toBe(100);
    expect(Buffer.compare(DurationSketch.of([]).encode(), new DurationSketch().encode())).toBe(0);
    expect(() => DurationSketch.of([1, Number.NaN])).toThrow(RangeError);
  });
  it('leaves negative durations out of percentiles, in the sketch and exactly alike', () => {
    const values = [-5, 2, -0.5, 4, 6, 8];
    const sketch = new DurationSketch();
    for (const v of values) sketch.add(v);
    expect(sketch.count).toBe(4);
    expect(exactPercentiles(values, [0, 0.5, 1])).toEqual([2, 5, 8]);
    expect(exactPercentiles([-1, -2], [0.5])).toEqual([null]);
    const [p50] = sketch.quantiles([0.5]);
    expect(Math.abs((p50 as number) - 5) / 5).toBeLessThanOrEqual(PROMISED);
  });

  it('rejects non-finite durations and corrupt bytes', () => {
    expect(() => new DurationSketch().add(Number.NaN)).toThrow(RangeError);
    expect(() => new DurationSketch().add(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => DurationSketch.decode(Uint8Array.from([9, 0, 0, 0]))).toThrow(/not a duration sketch/);
    expect(() => DurationSketch.decode(Buffer.from(new Uint32Array([2, 0, 5, 0]).buffer))).toThrow(
      /not a duration sketch/,
    );
  });
});
