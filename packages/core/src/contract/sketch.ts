/**
 * Duration percentiles kept on every write at a cost that does not grow with history.
 *
 * `DurationSketch` is a log-bucketed histogram (the DDSketch idea): a positive value `x` falls in
 * bucket `i = ceil(log_γ x)`, whose every value is within `RELATIVE_ACCURACY` of the bucket's
 * representative. A percentile read from the sketch is PostgreSQL's `percentile_cont`
 * (linear interpolation between the two nearest ranks) over the representatives, so it is within the
 * same relative error of the exact value: each of the two ranks is, and so is any point between them.
 * The number of buckets is bounded by the range of the values (about 128 per factor of 10), not by
 * how many were added.
 */

/** The largest relative error of a percentile read from a sketch. */
export const RELATIVE_ACCURACY = 0.009;

const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const LN_GAMMA = Math.log(GAMMA);
const FORMAT_VERSION = 2;
/** Bytes before the buckets: version, zero count, bucket count, total count (u32 each). */
const HEADER = 16;

/**
 * Whether a duration counts toward percentiles. A negative one — only in imported legacy data,
 * where the wall clock went back while a skill ran — measured nothing: it is summed into totals as
 * the old tracker summed it, but left out of every percentile, in the sketch and exactly alike.
 */
export const isMeasuredDuration = (seconds: number): boolean => seconds >= 0;

/**
 * The sketch lives in one byte buffer, the very bytes stored in the database:
 * `[u32 version][u32 zero count][u32 n][u32 total][i32 index × n][u32 count × n]`, little-endian.
 * Adding to an existing bucket changes one number in place, so a write neither decodes nor encodes;
 * only a new bucket copies the buffer.
 */
export class DurationSketch {
  #bytes: Buffer;
  #header: Uint32Array;
  #indexes: Int32Array;
  #counts: Uint32Array;

  constructor(bytes?: Uint8Array) {
    if (bytes === undefined) {
      this.#bytes = Buffer.alloc(HEADER);
      new Uint32Array(this.#bytes.buffer, this.#bytes.byteOffset, 1)[0] = FORMAT_VERSION;
    } else {
      const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      // Typed views need 4-byte alignment; Buffer.alloc never hands out a pooled, offset slice.
      this.#bytes = buffer.byteOffset % 4 === 0 ? buffer : Buffer.alloc(buffer.length);
      if (this.#bytes !== buffer) buffer.copy(this.#bytes);
    }
    if (this.#bytes.length < HEADER) throw new RangeError(`not a duration sketch (${this.#bytes.length} bytes)`);
    this.#header = new Uint32Array(this.#bytes.buffer, this.#bytes.byteOffset, 4);
    const n = this.#header[2] as number;
    if (this.#header[0] !== FORMAT_VERSION || this.#bytes.length !== HEADER + 8 * n) {
      throw new RangeError(`not a duration sketch (format ${this.#header[0]}, ${this.#bytes.length} bytes)`);
    }
    this.#indexes = new Int32Array(this.#bytes.buffer, this.#bytes.byteOffset + HEADER, n);
    this.#counts = new Uint32Array(this.#bytes.buffer, this.#bytes.byteOffset + HEADER + 4 * n, n);
  }

  /** How many values were exactly 0. */
  get zeroCount(): number {
    return this.#header[1] as number;
  }

  /** How many values the sketch holds. */
  get count(): number {
    return this.#header[3] as number;
  }

  /** Adds `value` (`times` times); a negative one is left out (see `isMeasuredDuration`). */
  add(value: number, times = 1): this {
    if (!Number.isFinite(value)) throw new RangeError(`a duration must be finite, got ${value}`);
    if (!isMeasuredDuration(value)) return this;
    if (value === 0) this.#header[1] = (this.#header[1] as number) + times;
    else this.#addToBucket(Math.ceil(Math.log(value) / LN_GAMMA), times);
    this.#header[3] = (this.#header[3] as number) + times;
    return this;
  }

  /** Adds every value of `other` (sketches merge exactly). */
  merge(other: DurationSketch): this {
    this.#header[1] = (this.#header[1] as number) + other.zeroCount;
    this.#header[3] = (this.#header[3] as number) + other.count;
    const indexes = other.#indexes;
    for (let i = 0; i < indexes.length; i++) this.#addToBucket(indexes[i] as number, other.#counts[i] as number);
    return this;
  }

  /**
   * The percentiles `qs` (each in [0, 1]) as `percentile_cont` would give them over the values;
   * `null` for each when the sketch is empty. One pass over the buckets for all of them.
   */
  quantiles(qs: readonly number[]): Array<number | null> {
    return percentileCont(this.count, this.zeroCount, qs, (visit) => {
      for (let b = 0; b < this.#indexes.length; b++)
        if (visit(this.#counts[b] as number, this.#indexes[b] as number)) return;
    });
  }

  /** The sketch's bytes, to store. Not a copy: later `add`s may change them. */
  encode(): Buffer {
    return this.#bytes;
  }

  /** Takes `bytes` over (no copy); they change as the sketch does. */
  static decode(bytes: Uint8Array): DurationSketch {
    return new DurationSketch(bytes);
  }

  /**
   * The sum of many encoded sketches in one pass over their buckets: much cheaper than merging
   * them one by one when there are many (a month of hourly rows).
   */
  static sum(encoded: readonly Uint8Array[]): DurationSketch {
    const { dense, lo, zero, total } = accumulate(encoded);
    const indexes: number[] = [];
    const counts: number[] = [];
    dense.forEach((count, i) => {
      if (count > 0) {
        indexes.push(i + lo);
        counts.push(count);
      }
    });
    return fromBuckets(zero, total, indexes, counts);
  }

  /** `DurationSketch.sum(encoded).quantiles(qs)`, without building the sum. */
  static quantilesOfSum(encoded: readonly Uint8Array[], qs: readonly number[]): Array<number | null> {
    const { dense, lo, zero, total } = accumulate(encoded);
    return percentileCont(total, zero, qs, (visit) => {
      for (let i = 0; i < dense.length; i++) {
        const count = dense[i] as number;
        if (count > 0 && visit(count, i + lo)) return;
      }
    });
  }

  /** The sketch of `values`, built in one go (the same bytes as adding them one by one). */
  static of(values: Iterable<number>): DurationSketch {
    const indexes: number[] = [];
    let zero = 0;
    for (const value of values) {
      if (!Number.isFinite(value)) throw new RangeError(`a duration must be finite, got ${value}`);
      if (!isMeasuredDuration(value)) continue;
      if (value === 0) zero++;
      else indexes.push(Math.ceil(Math.log(value) / LN_GAMMA));
    }
    indexes.sort((a, b) => a - b);
    const distinct: number[] = [];
    const counts: number[] = [];
    for (const index of indexes) {
      if (distinct[distinct.length - 1] === index)
        counts[counts.length - 1] = (counts[counts.length - 1] as number) + 1;
      else {
        distinct.push(index);
        counts.push(1);
      }
    }
    return fromBuckets(zero, zero + indexes.length, distinct, counts);
  }

  #addToBucket(index: number, times: number): void {
    const indexes = this.#indexes;
    // Binary search for the first bucket >= index.
    let lo = 0;
    let hi = indexes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((indexes[mid] as number) < index) lo = mid + 1;
      else hi = mid;
    }
    if (lo < indexes.length && indexes[lo] === index) {
      this.#counts[lo] = (this.#counts[lo] as number) + times;
      return;
    }
    // A new bucket: lay the buffer out again with room for it.
    const n = indexes.length;
    const bytes = Buffer.alloc(HEADER + 8 * (n + 1));
    const header = new Uint32Array(bytes.buffer, bytes.byteOffset, 4);
    header[0] = FORMAT_VERSION;
    header[1] = this.#header[1] as number;
    header[2] = n + 1;
    header[3] = this.#header[3] as number;
    const newIndexes = new Int32Array(bytes.buffer, bytes.byteOffset + HEADER, n + 1);
    const newCounts = new Uint32Array(bytes.buffer, bytes.byteOffset + HEADER + 4 * (n + 1), n + 1);
    newIndexes.set(indexes.subarray(0, lo), 0);
    newIndexes[lo] = index;
    newIndexes.set(indexes.subarray(lo), lo + 1);
    newCounts.set(this.#counts.subarray(0, lo), 0);
    newCounts[lo] = times;
    newCounts.set(this.#counts.subarray(lo), lo + 1);
    this.#bytes = bytes;
    this.#header = header;
    this.#indexes = newIndexes;
    this.#counts = newCounts;
  }
}

/**
 * `percentile_cont` over `total` values, `zero` of them 0, the rest in buckets that `walk` visits in
 * ascending order with their count and index (a visit returns true to stop early).
 */
function percentileCont(
  total: number,
  zero: number,
  qs: readonly number[],
  walk: (visit: (count: number, index: number) => boolean) => void,
): Array<number | null> {
  if (total === 0) return qs.map(() => null);
  // The two ranks around each h = q (n - 1), in ascending order, resolved in one pass.
  const ranks: number[] = [];
  for (const q of qs) {
    const lo = Math.floor(q * (total - 1));
    ranks.push(lo, Math.min(lo + 1, total - 1));
  }
  const order = ranks.map((_, i) => i).sort((a, b) => (ranks[a] as number) - (ranks[b] as number));
  const values = new Array<number>(ranks.length).fill(0);
  let next = 0;
  let seen = zero; // ranks below `seen` are known; the zero bucket's value is 0
  while (next < order.length && (ranks[order[next] as number] as number) < seen) next++;
  walk((count, index) => {
    seen += count;
    if (next < order.length && (ranks[order[next] as number] as number) < seen) {
      const value = representative(index);
      while (next < order.length && (ranks[order[next] as number] as number) < seen)
        values[order[next++] as number] = value;
    }
    return next >= order.length;
  });
  return qs.map((q, i) => {
    const h = q * (total - 1);
    const a = values[2 * i] as number;
    return a + (h - Math.floor(h)) * ((values[2 * i + 1] as number) - a);
  });
}

/** A sketch from its buckets, ascending by index. */
function fromBuckets(
  zero: number,
  total: number,
  indexes: readonly number[],
  counts: readonly number[],
): DurationSketch {
  const n = indexes.length;
  const bytes = Buffer.alloc(HEADER + 8 * n); // never a pooled slice: 4-byte aligned
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, 4 + 2 * n);
  words.set([FORMAT_VERSION, zero, n, total]);
  new Int32Array(bytes.buffer, bytes.byteOffset + HEADER, n).set(indexes);
  words.set(counts, 4 + n);
  return new DurationSketch(bytes);
}

/** Adds encoded sketches into one dense array of counts, reading each through a single view. */
function accumulate(encoded: readonly Uint8Array[]): { dense: Float64Array; lo: number; zero: number; total: number } {
  const words = encoded.map((bytes) => {
    const aligned = bytes.byteOffset % 4 === 0 ? bytes : Uint8Array.prototype.slice.call(bytes);
    const view = new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength >>> 2);
    if (view[0] !== FORMAT_VERSION || aligned.byteLength !== HEADER + 8 * (view[2] as number)) {
      throw new RangeError('not a duration sketch');
    }
    return view;
  });
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  let zero = 0;
  let total = 0;
  for (const w of words) {
    const n = w[2] as number;
    zero += w[1] as number;
    total += w[3] as number;
    if (n === 0) continue;
    lo = Math.min(lo, (w[4] as number) | 0);
    hi = Math.max(hi, (w[3 + n] as number) | 0);
  }
  const dense = new Float64Array(hi >= lo ? hi - lo + 1 : 0);
  for (const w of words) {
    const n = w[2] as number;
    for (let i = 0; i < n; i++) {
      const at = ((w[4 + i] as number) | 0) - lo;
      dense[at] = (dense[at] as number) + (w[4 + n + i] as number);
    }
  }
  return { dense, lo, zero, total };
}

/** The value that stands for every value in bucket `index`: within the accuracy of all of them. */
function representative(index: number): number {
  return (2 * GAMMA ** index) / (GAMMA + 1);
}

/**
 * Exact `percentile_cont` of `values` for each of `qs` (sorts a copy); `null` when there are none.
 * The reference the sketch is measured against, and the `exact` path of the stores. Negative
 * values are left out (`isMeasuredDuration`).
 */
export function exactPercentiles(values: readonly number[], qs: readonly number[]): Array<number | null> {
  let sorted = Float64Array.from(values).sort();
  if (sorted.length > 0 && !isMeasuredDuration(sorted[0] as number)) {
    const firstMeasured = sorted.findIndex(isMeasuredDuration);
    sorted = sorted.subarray(firstMeasured === -1 ? sorted.length : firstMeasured);
  }
  if (sorted.length === 0) return qs.map(() => null);
  const n = sorted.length;
  return qs.map((q) => {
    const h = q * (n - 1);
    const lo = Math.floor(h);
    const a = sorted[lo] as number;
    const b = sorted[Math.min(lo + 1, n - 1)] as number;
    return a + (h - lo) * (b - a);
  });
}
