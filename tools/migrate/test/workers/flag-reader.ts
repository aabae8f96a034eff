/**
 * A process polling the flag file through the storage-mode provider as a live store would, for
 * the torn-file test: `flag-reader <flag.json>`. After the go it reads the file again on every
 * turn until it sees `db` at 100 %, then prints each distinct configuration it saw and how many
 * reads it made, as one JSON line.
 */
import { waitForGo } from '@skill-metrics/core/testing/process';
import { FLAG_FILE_ENV, StorageModeProvider } from '@skill-metrics/dual';

const [file] = process.argv.slice(2);
if (!file) throw new Error('usage: flag-reader <flag.json>');
const errors: string[] = [];
const provider = new StorageModeProvider({
  env: { [FLAG_FILE_ENV]: file },
  recheckMs: 0,
  logger: { warn: (m) => errors.push(m), error: (m) => errors.push(m) },
});
await waitForGo();
const seen = new Set<string>();
let reads = 0;
for (;;) {
  const config = provider.config();
  reads++;
  seen.add(JSON.stringify(config));
  if (config.kind === 'shares' && config.shares.db === 100) break;
  // Let the event loop breathe now and then; the reads themselves are synchronous.
  if (reads % 200 === 0) await new Promise((resolve) => setImmediate(resolve));
}
process.stdout.write(`${JSON.stringify({ reads, seen: [...seen], errors })}\n`);
