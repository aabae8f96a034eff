// The legacy store against what it replaces: the old Python tracker's work per invocation (its whole
// file through json.dumps(indent=2), written in place, on every completion), on the same files, in
// alternating rounds of the same run. The store does more per invocation — two writes (the start
// too, so a crash loses no started run), a lock, an atomic replace, an fsync of file and folder.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLegacyStore } from '@skill-metrics/json-legacy';
import { median, report } from './harness.mjs';
import { writeLegacyFile } from './legacy-reader.bench.mjs';

const OLD_TRACKER = fileURLToPath(new URL('./python/old_tracker.py', import.meta.url));

/** The median ms of one track+complete through the store, over `n`. */
async function storeRound(store, n) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const h = await store.trackInvocation('store-benchmark', { workflowPath: 'quick' });
    await h.complete({ followUpActions: ['git commit'] });
    times.push(performance.now() - t);
  }
  return median(times);
}

export async function run({ quick = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-vs-python-'));
  try {
    for (const [size, target] of [
      [1_000, 0.5],
      [5_000, 0.25],
    ]) {
      const source = join(dir, `source-${size}.json`);
      writeLegacyFile(source, size);
      const pyFile = join(dir, `python-${size}.json`);
      const storeFile = join(dir, `store-${size}.json`);
      copyFileSync(source, pyFile);
      copyFileSync(source, storeFile);
      const store = await openLegacyStore({ path: storeFile, timeZone: 'UTC' });
      const py = [];
      const ours = [];
      const ratios = [];
      for (let round = 0; round < (quick ? 3 : 7); round++) {
        const p = JSON.parse(execFileSync('python3', [OLD_TRACKER, pyFile, '20'], { encoding: 'utf8' })).medianMs;
        const s = await storeRound(store, 20);
        py.push(p);
        ours.push(s);
        ratios.push(s / p);
      }
      await store.close();
      report(
        `LegacyJsonStore track+complete, ${size.toLocaleString('en')} stored`,
        { floorUs: median(py) * 1000, candidateUs: median(ours) * 1000, ratio: median(ratios) },
        target,
        'the old tracker (python3)',
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run({ quick: process.argv.includes('--quick') });
