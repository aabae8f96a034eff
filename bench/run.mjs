// `pnpm bench`: every benchmark, each printing ratios against a floor measured in the same run.
// `pnpm bench -- --quick` runs the small sizes only.
import { cpus } from 'node:os';
import { run as store } from './store.bench.mjs';
import { results } from './harness.mjs';

const quick = process.argv.includes('--quick');
console.log(`skill-metrics benchmarks — node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}${quick ? ' (quick)' : ''}`);
console.log('Figures are medians; ratio = candidate / floor, the median of per-round ratios.\n');
await store({ quick });
const missed = results().filter((r) => !r.ok);
console.log(`\n${results().length - missed.length}/${results().length} within target`);
