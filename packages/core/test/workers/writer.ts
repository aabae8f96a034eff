/**
 * A writer in its own OS process, for the reliability tests. Waits for a line on stdin before it
 * starts, so that several can be released at the same moment.
 *   open <db>                 open (and migrate) the store, print the versions this process applied
 *   track <db> <n> <skill>    n × trackInvocation + complete, print a summary
 *   forever <db> <log>        track + complete until killed; append each id to <log> once complete() resolved
 * <db> is a SQLite file, or `pg:<schema>` for a schema on the test server.
 */
import { appendFileSync } from 'node:fs';
import { openStore } from '@skill-metrics/core';
import { PG_URL } from '@skill-metrics/core/testing/pg';
import { waitForGo } from '@skill-metrics/core/testing/process';

const [command, db, ...rest] = process.argv.slice(2);
if (!command || !db) throw new Error('usage: writer <open|track|forever> <db> …');

await waitForGo();

const open = (options: { busyTimeoutMs?: number } = {}) =>
  db.startsWith('pg:') ? openStore({ url: PG_URL, schema: db.slice(3) }) : openStore({ path: db, ...options });

if (command === 'open') {
  const store = await open({ busyTimeoutMs: 30_000 });
  process.stdout.write(`${JSON.stringify({ applied: store.migrationsApplied })}\n`);
  await store.close();
} else if (command === 'track') {
  const n = Number(rest[0]);
  const skill = rest[1] ?? 'skill';
  const store = await open({ busyTimeoutMs: 30_000 });
  let errors = 0;
  for (let i = 0; i < n; i++) {
    try {
      const handle = await store.trackInvocation(skill, {
        workflowPath: `path-${i % 3}`,
        sessionId: `pid-${process.pid}`,
      });
      await handle.complete({ completed: i % 4 !== 0, followUpActions: ['next'] });
    } catch (error) {
      errors++;
      process.stderr.write(`${String(error)}\n`);
    }
  }
  await store.close();
  process.stdout.write(`${JSON.stringify({ done: n, errors })}\n`);
} else if (command === 'forever') {
  const log = rest[0] as string;
  const store = await open();
  for (let i = 0; ; i++) {
    const handle = await store.trackInvocation(`skill-${i % 5}`, { workflowPath: `w${i % 7}` });
    await handle.complete({ completed: i % 3 !== 0, errorType: i % 3 === 0 ? 'Killed' : null });
    appendFileSync(log, `${handle.invocationId}\n`);
    if (i === 0) process.stdout.write('writing\n');
  }
}
