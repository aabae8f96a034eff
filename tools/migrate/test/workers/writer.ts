/**
 * A store in its own OS process, for the backup and restore tests, until SIGTERM:
 * `writer <db> write` tracks and completes invocations one after another once the test says go,
 * printing `writing` after the first and `wrote N` at the end; `writer <db> hold` only keeps the
 * database open, printing `holding`.
 */
import { openStore } from '@skill-metrics/core';
import { waitForGo } from '@skill-metrics/core/testing/process';

const [db, mode] = process.argv.slice(2);
if (!db || (mode !== 'write' && mode !== 'hold')) throw new Error('usage: writer <db> write|hold');
let stop = () => {};
const stopped = new Promise<void>((resolve) => {
  stop = resolve;
});
let stopping = false;
process.on('SIGTERM', () => {
  stopping = true;
  stop();
});

const store = await openStore({ path: db });
if (mode === 'hold') {
  await store.getSummary();
  process.stdout.write('holding\n');
  // A pending promise alone does not keep Node running.
  const alive = setInterval(() => {}, 60_000);
  await stopped;
  clearInterval(alive);
} else {
  await waitForGo();
  let written = 0;
  while (!stopping) {
    const handle = await store.trackInvocation(`writer-${written % 4}`, { sessionId: `session-${written % 3}` });
    await handle.complete({ completed: written % 6 !== 0, followUpActions: written % 5 ? [] : ['retry'] });
    if (++written === 1) process.stdout.write('writing\n');
    // The store's calls settle without a turn of the event loop, which the SIGTERM handler needs.
    await new Promise(setImmediate);
  }
  process.stdout.write(`wrote ${written}\n`);
}
await store.close();
