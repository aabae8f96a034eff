// Run in a fresh process by backfill.bench.mjs, so that its peak RSS is the backfill's alone:
//   node backfill-child.mjs FILE DB
import { openStore } from '@skill-metrics/core';
import { backfill } from '@skill-metrics/migrate';

const [file, dbPath] = process.argv.slice(2);
const db = await openStore({ path: dbPath });
const report = await backfill({ file, db, timeZone: 'UTC' });
await db.close();
const maxRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
process.stdout.write(`${JSON.stringify({ inserted: report.inserted, maxRssMB })}\n`);
