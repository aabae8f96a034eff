// Run in a fresh process by export.bench.mjs, so that its peak RSS is the export's alone:
//   node export-child.mjs DB OUT
import { openStore } from '@skill-metrics/core';

const [db, out] = process.argv.slice(2);
const store = await openStore({ path: db, readonly: true });
const { invocations } = await store.exportMetrics(out);
await store.close();
const maxRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
process.stdout.write(`${JSON.stringify({ invocations, maxRssMB })}\n`);
