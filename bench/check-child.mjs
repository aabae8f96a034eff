// Run in a fresh process by check.bench.mjs, so that its peak RSS is the check's alone:
//   node check-child.mjs FILE DB
import { openStore } from '@skill-metrics/core';
import { checkConsistency } from '@skill-metrics/dual';

const [file, db] = process.argv.slice(2);
const store = await openStore({ path: db });
const report = await checkConsistency({ legacyFile: file, timeZone: 'UTC' }, store);
await store.close();
const maxRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
process.stdout.write(`${JSON.stringify({ ok: report.ok, compared: report.compared, maxRssMB })}\n`);
