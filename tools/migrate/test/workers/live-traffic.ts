/**
 * Live traffic for the race tests, in its own OS process: `live-traffic <legacy.json> <db> <log> <new>
 * <completions>` opens the dual store in `dual-write` over the file and the database, finds the
 * invocations pending in the file, waits for the go, then interleaves <new> tracked-and-completed
 * invocations with <completions> completions by id of pending ones, taken from both ends of the file
 * (some ahead of a backfill reading it, some behind). Each call is appended to <log> the moment it
 * resolves: `completed <id> <outcome JSON>` or `new <id>`. Prints `writing` after its first
 * completion and `finished` once everything it owes the database is written.
 */
import { appendFileSync } from 'node:fs';
import { openStore } from '@skill-metrics/core';
import { waitForGo } from '@skill-metrics/core/testing/process';
import { openDualStore } from '@skill-metrics/dual';
import { openLegacyStore, readLegacyFile } from '@skill-metrics/json-legacy';

const [legacyPath, dbPath, log, newText, completionsText] = process.argv.slice(2);
const news = Number(newText);
const completions = Number(completionsText);
if (!legacyPath || !dbPath || !log || !Number.isInteger(news) || !Number.isInteger(completions))
  throw new Error('usage: live-traffic <legacy.json> <db> <log> <new> <completions>');

const pending: string[] = [];
const reader = readLegacyFile(legacyPath, { timeZone: 'UTC' });
for await (const entries of reader.batches()) {
  for (const entry of entries) if (entry.invocation.status === 'pending') pending.push(entry.id);
}
if (pending.length < completions) throw new Error(`only ${pending.length} pending invocations in ${legacyPath}`);
// Every other one from the front and from the back: the rest stay pending.
const front = pending.filter((_, i) => i % 2 === 0);
const toComplete = Array.from({ length: completions }, (_, k) =>
  k % 2 === 0 ? (front[k / 2] as string) : (front[front.length - 1 - (k - 1) / 2] as string),
);

const store = await openDualStore({
  legacy: await openLegacyStore({ path: legacyPath, timeZone: 'UTC', durable: false }),
  db: await openStore({ path: dbPath }),
  flag: 'dual-write',
  logger: { warn: (m) => process.stderr.write(`${m}\n`), error: (m) => process.stderr.write(`${m}\n`) },
});
await waitForGo();
for (let k = 0; k < Math.max(news, completions); k++) {
  const id = toComplete[k];
  if (id !== undefined) {
    const outcome =
      k % 3 === 0
        ? { completed: false, errorType: 'LiveError', followUpActions: [], durationSeconds: 2 + k / 4 }
        : { completed: true, errorType: null, followUpActions: ['after-race'], durationSeconds: 1 + k / 8 };
    await store.completeInvocation(id, outcome);
    appendFileSync(log, `completed ${id} ${JSON.stringify(outcome)}\n`);
    if (k === 0) process.stdout.write('writing\n');
  }
  if (k < news) {
    const handle = await store.trackInvocation(`skill-${k % 7}`, { workflowPath: 'live', sessionId: 'race' });
    await handle.complete(
      k % 4 === 0 ? { completed: false, errorType: 'LiveAbandon' } : { followUpActions: ['live-next'] },
    );
    appendFileSync(log, `new ${handle.invocationId}\n`);
  }
}
await store.close();
process.stdout.write('finished\n');
