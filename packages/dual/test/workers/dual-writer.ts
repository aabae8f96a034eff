/**
 * A dual store's user in its own OS process, for the crash tests: `dual-writer <legacy> <db> <mode>
 * <log>` waits for the go, then tracks and completes invocations until it is killed, appending
 * `started <id>` and `done <id>` to <log> the moment each call resolves (what the caller was told).
 */
import { appendFileSync } from 'node:fs';
import { openStore } from '@skill-metrics/core';
import { waitForGo } from '@skill-metrics/core/testing/process';
import { isStorageMode, openDualStore } from '@skill-metrics/dual';
import { openLegacyStore } from '@skill-metrics/json-legacy';

const [legacyPath, dbPath, mode, log] = process.argv.slice(2);
if (!legacyPath || !dbPath || !isStorageMode(mode) || !log)
  throw new Error('usage: dual-writer <legacy> <db> <mode> <log>');

const store = await openDualStore({
  legacy: await openLegacyStore({ path: legacyPath, timeZone: 'UTC', lockStaleMs: 2000 }),
  db: await openStore({ path: dbPath }),
  flag: mode,
  logger: { warn: () => undefined, error: () => undefined },
});
await waitForGo();
for (let i = 0; ; i++) {
  const handle = await store.trackInvocation(`skill-${i % 3}`, {
    sessionId: `pid-${process.pid}`,
    workflowPath: `w${i % 4}`,
  });
  appendFileSync(log, `started ${handle.invocationId}\n`);
  await handle.complete({ completed: i % 5 !== 0, followUpActions: i % 2 ? ['next'] : [] });
  appendFileSync(log, `done ${handle.invocationId}\n`);
  if (i === 0) process.stdout.write('writing\n');
}
