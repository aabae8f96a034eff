// A small benchmark harness. Machines here are noisy, so every figure is a ratio against a floor
// measured in the same run: floor and candidate alternate in rounds, and the ratio quoted is the
// median of the per-round ratios.

import { performance } from 'node:perf_hooks';

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

async function timeOps(fn, ops) {
  const start = performance.now();
  for (let i = 0; i < ops; i++) {
    const r = fn(i);
    if (r && typeof r.then === 'function') await r;
  }
  return ((performance.now() - start) * 1000) / ops; // µs per op
}

/**
 * Runs `floor` and `candidate` (functions of the op index) `ops` times per round, alternating
 * which goes first, after `warmup` rounds that are not counted.
 */
export async function compare({ floor, candidate, ops = 1000, rounds = 15, warmup = 2 }) {
  const f = [];
  const c = [];
  const ratios = [];
  for (let r = 0; r < warmup + rounds; r++) {
    let tf;
    let tc;
    if (r % 2 === 0) {
      tf = await timeOps(floor, ops);
      tc = await timeOps(candidate, ops);
    } else {
      tc = await timeOps(candidate, ops);
      tf = await timeOps(floor, ops);
    }
    if (r < warmup) continue;
    f.push(tf);
    c.push(tc);
    ratios.push(tc / tf);
  }
  return { floorUs: median(f), candidateUs: median(c), ratio: median(ratios) };
}

const rows = [];

/**
 * Records one result line. `target` is the largest acceptable ratio, or `{ maxUs }` for an absolute
 * limit on the median, or `null` for a figure reported without a target.
 */
export function report(name, { floorUs, candidateUs, ratio }, target, floorName) {
  const ok = target === null || (typeof target === 'number' ? ratio <= target : candidateUs <= target.maxUs);
  const limit =
    target === null ? 'no target' : typeof target === 'number' ? `≤ ${target}×` : `≤ ${target.maxUs / 1000} ms`;
  rows.push({ name, floorUs, candidateUs, ratio, limit, ok, floorName });
  const us = (v) => (v >= 1000 ? `${(v / 1000).toFixed(2)} ms` : `${v.toFixed(2)} µs`).padStart(10);
  console.log(
    `${target === null ? 'info' : ok ? 'ok  ' : 'MISS'} ${name.padEnd(60)} ${us(candidateUs)}  floor ${us(floorUs)} (${floorName})  ratio ${ratio.toFixed(3)}  (${limit})`,
  );
}

export function results() {
  return rows;
}

const values = [];

/** Records a figure that is not a time ratio (a peak RSS, a count); `target` is its largest acceptable value. */
export function reportValue(name, value, unit, target, note = '') {
  const ok = value <= target;
  values.push({ name, value, unit, target, ok, note });
  console.log(
    `${ok ? 'ok  ' : 'MISS'} ${name.padEnd(58)} ${String(value).padStart(9)} ${unit} (≤ ${target} ${unit})${note ? `  ${note}` : ''}`,
  );
}

export function valueResults() {
  return values;
}
