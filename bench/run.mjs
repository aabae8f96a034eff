// `pnpm bench`: every benchmark, each printing ratios against a floor measured in the same run.
// `pnpm bench -- --quick` runs the small sizes only.
import { cpus } from 'node:os';
import { run as analytics } from './analytics.bench.mjs';
import { run as backfill } from './backfill.bench.mjs';
import { run as check } from './check.bench.mjs';
import { run as dual } from './dual.bench.mjs';
import { run as engine } from './engine.bench.mjs';
import { run as exportMetrics } from './export.bench.mjs';
import { run as flat } from './flat.bench.mjs';
import { results, valueResults } from './harness.mjs';
import { run as legacyAnalytics } from './legacy-analytics.bench.mjs';
import { run as legacyReader } from './legacy-reader.bench.mjs';
import { run as legacyVsPython } from './legacy-vs-python.bench.mjs';
import { run as postgres } from './pg.bench.mjs';
import { run as serve } from './serve.bench.mjs';
import { run as store } from './store.bench.mjs';
import { run as telemetry } from './telemetry.bench.mjs';

const quick = process.argv.includes('--quick');
console.log(
  `skill-metrics benchmarks — node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}${quick ? ' (quick)' : ''}`,
);
console.log('Figures are medians; ratio = candidate / floor, the median of per-round ratios.\n');
// Comparisons with earlier builds first, while neither side's code has run yet: a build loaded after
// the others have run would get the advantage of fresh inline caches.
await engine({ quick });
await telemetry({ quick });
await analytics({ quick, part: 'write cost' });
await store({ quick });
await analytics({ quick, part: 'reads' });
await flat({ quick });
await postgres({ quick });
console.log('');
await legacyReader({ quick });
await legacyAnalytics({ quick });
await legacyVsPython({ quick });
console.log('');
await dual({ quick });
await check({ quick });
await backfill({ quick });
await exportMetrics({ quick });
await serve({ quick });
console.log('\n| measure | store | floor | ratio | target |\n|---|---|---|---|---|');
for (const r of results()) {
  const us = (v) => (v >= 1000 ? `${(v / 1000).toFixed(2)} ms` : `${v.toFixed(1)} µs`);
  console.log(
    `| ${r.name} | ${us(r.candidateUs)} | ${us(r.floorUs)} (${r.floorName}) | ${r.ratio.toFixed(2)}× | ${r.limit} |`,
  );
}
if (valueResults().length > 0) {
  console.log('\n| measure | value | target |\n|---|---|---|');
  for (const v of valueResults())
    console.log(`| ${v.name} | ${v.value} ${v.unit} ${v.note} | ≤ ${v.target} ${v.unit} |`);
}
const all = [...results(), ...valueResults()];
const missed = all.filter((r) => !r.ok);
console.log(`\n${all.length - missed.length}/${all.length} within target`);
