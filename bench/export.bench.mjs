// exportMetrics of a 1,000,000-invocation database against its floor in the same run: the same
// export built beforehand as plain objects in memory (legacySummary, legacySkill, legacyInvocation
// of what the store reads), then only JSON.stringify and fs.writeFileSync timed. Three rounds, the
// order alternating, medians; and the peak RSS of a fresh process exporting the same database.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { legacyInvocation, legacySkill, legacySummary, openStore } from '@skill-metrics/core';
import { makeExportDatabase } from './export-data.mjs';
import { median, report, reportValue } from './harness.mjs';

const CHILD = fileURLToPath(new URL('./export-child.mjs', import.meta.url));

async function inMemory(store) {
  const invocations = [];
  for await (const inv of store.listInvocations({ pageSize: 10_000 })) invocations.push(legacyInvocation(inv));
  const skills = [...(await store.getAllMetrics()).values()];
  return {
    summary: legacySummary(await store.getSummary()),
    skills: Object.fromEntries(skills.map((m) => [m.skillName, legacySkill(m)])),
    invocations,
    exported_at: new Date().toISOString(),
  };
}

const seconds = async (fn) => {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
};

export async function run({ quick = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-export-bench-'));
  try {
    const n = quick ? 100_000 : 1_000_000;
    const db = join(dir, 'metrics.db');
    await makeExportDatabase(db, n);
    const store = await openStore({ path: db, readonly: true });
    const data = await inMemory(store);
    const floorFile = join(dir, 'floor.json');
    const exportFile = join(dir, 'export.json');
    const floor = () => seconds(() => writeFileSync(floorFile, JSON.stringify(data)));
    const candidate = () =>
      seconds(async () => {
        const { invocations } = await store.exportMetrics(exportFile);
        if (invocations !== n) throw new Error(`the export wrote ${invocations} invocations, not ${n}`);
      });
    const f = [];
    const c = [];
    const ratios = [];
    for (let round = 0; round < 3; round++) {
      // Each side writes a new file: replacing one the other round left is not part of the work.
      rmSync(floorFile, { force: true });
      rmSync(exportFile, { force: true });
      let tf;
      let tc;
      if (round % 2 === 0) {
        tf = await floor();
        tc = await candidate();
      } else {
        tc = await candidate();
        tf = await floor();
      }
      f.push(tf);
      c.push(tc);
      ratios.push(tc / tf);
    }
    const bytes = statSync(exportFile).size;
    await store.close();
    data.invocations.length = 0;
    const r = { floorUs: median(f) * 1e6, candidateUs: median(c) * 1e6, ratio: median(ratios) };
    const label = `${n.toLocaleString('en')} invocations, ${(bytes / 1e6).toFixed(0)} MB`;
    console.log(
      `export: ${median(c).toFixed(2)} s vs JSON.stringify+write ${median(f).toFixed(2)} s: ${r.ratio.toFixed(2)}× (target ≤ 2×) ${r.ratio <= 2 ? 'ok' : 'MISS'}`,
    );
    report(`exportMetrics, ${label}`, r, 2, 'JSON.stringify + writeFileSync');
    rmSync(floorFile, { force: true });
    rmSync(exportFile, { force: true });
    const child = JSON.parse(execFileSync(process.execPath, [CHILD, db, exportFile], { encoding: 'utf8' }));
    if (child.invocations !== n) throw new Error(`the export in a child process wrote ${child.invocations}`);
    reportValue(`peak RSS of a process exporting ${label}`, child.maxRssMB, 'MB', 256);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run({ quick: process.argv.includes('--quick') });
