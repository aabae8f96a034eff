/** A backfill in its own OS process, for the kill test: `backfill <legacy.json> <db>` after the go. */
import { waitForGo } from '@skill-metrics/core/testing/process';
import { main } from '@skill-metrics/migrate';

const [file, db] = process.argv.slice(2);
if (!file || !db) throw new Error('usage: backfill <legacy.json> <db>');
await waitForGo();
process.stdout.write('backfilling\n');
const quiet = { out: () => undefined, err: (t: string) => process.stderr.write(`${t}\n`) };
process.exitCode = await main(['backfill', file, '--db', db, '--tz', 'UTC', '--batch', '200'], quiet);
