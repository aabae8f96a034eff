/**
 * Duration percentiles kept on every write at a cost that does not grow with history.
 *
 * `DurationSketch` is a log-bucketed histogram (the DDSketch idea): a positive value `x` falls in
 * bucket `i = ceil(log_γ x)`, whose every value is within `RELATIVE_ACCURACY` of the bucket's
 * representative. A percentile read from the sketch is PostgreSQL's `percentile_cont`
 * (linear interpolation between the two nearest ranks) over the representatives, so it is within the
 * same relative error of the exact value: each of the two ranks is, and so is any point between them.
 * The number of buckets is bounded by the range of the values (about 350 per factor of 1,000), not by
 * how many were added.
 */

/** The largest relative error of a percentile read from a sketch. */
export const RELATIVE_ACCURACY = 0.009;

const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const LN_GAMMA = Math.log(GAMMA);
const FORMAT_VERSION = 1;

export class DurationSketch {
  /** How many values were exactly 0. */
  zeroCount = 0;
  /** Bucket indexes in ascending order, and their counts, side by side. */
  #indexes: number[] = [];
  #counts: number[] = [];

  /** How many values the sketch holds. */
  get count(): number {
    let n = this.zeroCount;
    for (const c of this.#counts) n += c;
    return n;
  }

  add(value: number, times = 1): this {
    if (!(value >= 0) || !Number.isFinite(value))
      throw new RangeError(`a duration must be finite and >= 0, got ${value}`);
    if (value === 0) {
      this.zeroCount += times;
      return this;
    }
    const index = Math.ceil(Math.log(value) / LN_GAMMA);
    this.#addToBucket(index, times);
    return this;
  }

  /** Adds every value of `other` (sketches merge exactly). */
  merge(other: DurationSketch): this {
    this.zeroCount += other.zeroCount;
    const o = other.#indexes;
    for (let i = 0; i < o.length; i++) this.#addToBucket(o[i] as number, other.#counts[i] as number);
    return this;
  }

  /**
   * The percentiles `qs` (each in [0, 1]) as `percentile_cont` would give them over the values;
   * `null` for each when the sketch is empty. One pass over the buckets for all of them.
   */
  quantiles(qs: readonly number[]): Array<number | null> {
    const n = this.count;
    if (n === 0) return qs.map(() => null);
    // Every rank needed: floor(h) and floor(h) + 1 for h = q (n - 1).
    const wanted = new Map<number, number>();
    for (const q of qs) {
      const h = q * (n - 1);
      wanted.set(Math.floor(h), 0);
      wanted.set(Math.min(Math.floor(h) + 1, n - 1), 0);
    }
    const ranks = [...wanted.keys()].sort((a, b) => a - b);
    let r = 0;
    let seen = this.zeroCount; // ranks below `seen` are known
    while (r < ranks.length && (ranks[r] as number) < seen) wanted.set(ranks[r++] as number, 0);
    for (let b = 0; b < this.#indexes.length && r < ranks.length; b++) {
      seen += this.#counts[b] as number;
      const value = representative(this.#indexes[b] as number);
      while (r < ranks.length && (ranks[r] as number) < seen) wanted.set(ranks[r++] as number, value);
    }
    return qs.map((q) => {
      const h = q * (n - 1);
      const lo = Math.floor(h);
      const a = wanted.get(lo) as number;
      const b = wanted.get(Math.min(lo + 1, n - 1)) as number;
      return a + (h - lo) * (b - a);
    });
  }

  /** A compact binary form: version, zero count, then (index delta, count) pairs as varints. */
  encode(): Uint8Array {
    const out: number[] = [FORMAT_VERSION];
    writeVarint(out, this.zeroCount);
    writeVarint(out, this.#indexes.length);
    let previous = 0;
    for (let i = 0; i < this.#indexes.length; i++) {
      const index = this.#indexes[i] as number;
      writeVarint(out, zigzag(index - previous));
      writeVarint(out, this.#counts[i] as number);
      previous = index;
    }
    return Buffer.from(out);
  }

  static decode(bytes: Uint8Array): DurationSketch {
    if (bytes[0] !== FORMAT_VERSION) throw new RangeError(`unknown duration sketch format ${bytes[0]}`);
    const sketch = new DurationSketch();
    const at = { offset: 1 };
    sketch.zeroCount = readVarint(bytes, at);
    const buckets = readVarint(bytes, at);
    let index = 0;
    for (let i = 0; i < buckets; i++) {
      index += unzigzag(readVarint(bytes, at));
      sketch.#indexes.push(index);
      sketch.#counts.push(readVarint(bytes, at));
    }
    return sketch;
  }

  static of(values: Iterable<number>): DurationSketch {
    const sketch = new DurationSketch();
    for (const v of values) sketch.add(v);
    return sketch;
  }

  #addToBucket(index: number, times: number): void {
    const indexes = this.#indexes;
    // Durations mostly land at or near the top bucket, so look from the end.
    let i = indexes.length;
    while (i > 0 && (indexes[i - 1] as number) > index) i--;
    if (i > 0 && indexes[i - 1] === index) {
      this.#counts[i - 1] = (this.#counts[i - 1] as number) + times;
    } else {
      indexes.splice(i, 0, index);
      this.#counts.splice(i, 0, times);
    }
  }
}

/** The value that stands for every value in bucket `index`: within the accuracy of all of them. */
function representative(index: number): number {
  return (2 * GAMMA ** index) / (GAMMA + 1);
}

/**
 * Exact `percentile_cont` of `values` for each of `qs` (sorts a copy); `null` when there are none.
 * The reference the sketch is measured against, and the `exact` path of the stores.
 */
export function exactPercentiles(values: readonly number[], qs: readonly number[]): Array<number | null> {
  if (values.length === 0) return qs.map(() => null);
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  return qs.map((q) => {
    const h = q * (n - 1);
    const lo = Math.floor(h);
    const a = sorted[lo] as number;
    const b = sorted[Math.min(lo + 1, n - 1)] as number;
    return a + (h - lo) * (b - a);
  });
}

function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

function unzigzag(n: number): number {
  return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
}

function writeVarint(out: number[], value: number): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function readVarint(bytes: Uint8Array, at: { offset: number }): number {
  let value = 0;
  let scale = 1;
  for (;;) {
    const byte = bytes[at.offset++];
    if (byte === undefined) throw new RangeError('truncated duration sketch');
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return value;
    scale *= 0x80;
  }
}
