/**
 * A writer in its own OS process, for the multi-process tests. Waits for a line on stdin before it
 * starts, so that several can be released at the same moment.
 *   complete <file> <n> <skill>   n × trackInvocation + complete, one after another; print a summary
 *   forever <file> <log>          track + complete until killed; append each id to <log> once complete() resolved
 */
import { appendFileSync } from 'node:fs';
import { waitForGo } from '@skill-metrics/core/testing/process';
import { openLegacyStore } from '@skill-metrics/json-legacy';

const [command, file, ...rest] = process.argv.slice(2);
if (!command || !file) throw new Error('usage: writer <complete|forever> <file> …');

await waitForGo();

if (command === 'complete') {
  const n = Number(rest[0]);
  const skill = rest[1] ?? 'skill';
  const store = await openLegacyStore({ path: file, timeZone: 'UTC', lockTimeoutMs: 60_000 });
  let errors = 0;
  for (let i = 0; i < n; i++) {
    try {
      const handle = await store.trackInvocation(skill, {
        workflowPath: `path-${i % 3}`,
        sessionId: `pid-${process.pid}`,
      });
      // The skill's own work: a pause that lets the other process in (the lock is not fair).
      await new Promise((r) => setTimeout(r, Math.random() * 2));
      await handle.complete({ completed: i % 4 !== 0, followUpActions: ['next'] });
    } catch (error) {
      errors++;
      process.stderr.write(`${String(error)}\n`);
    }
  }
  await store.close();
  process.stdout.write(
    `${JSON.stringify({ done: n, errors, rewrites: store.stats.rewrites, loads: store.stats.loads })}\n`,
  );
} else if (command === 'forever') {
  const log = rest[0] as string;
  const store = await openLegacyStore({ path: file, timeZone: 'UTC' });
  for (let i = 0; ; i++) {
    const handle = await store.trackInvocation(`skill-${i % 5}`, { workflowPath: `w${i % 7}` });
    await handle.complete({ completed: i % 3 !== 0, errorType: i % 3 === 0 ? 'Killed' : null });
    appendFileSync(log, `${handle.invocationId}\n`);
    if (i === 0) process.stdout.write('writing\n');
  }
}
