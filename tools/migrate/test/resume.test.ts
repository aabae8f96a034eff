import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@skill-metrics/core';
import { startWorker } from '@skill-metrics/core/testing/process';
import { main } from '@skill-metrics/migrate';
import { describe, expect, it } from 'vitest';

const WORKER = new URL('./workers/backfill.ts', import.meta.url);
const KILLS = 20;
const N = 20_000;
const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-resume-'));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A legacy file of `n` invocations in the old tracker's layout (naive UTC times, some pending). */
function legacyFile(path: string, n: number): void {
  const t0 = Date.parse('2025-03-01T00:00:00Z');
  const invocations = Array.from({ length: n }, (_, i) => ({
    skill_name: `skill-${i % 7}`,
    invoked_at: new Date(t0 + i * 61_000).toISOString().slice(0, 23).concat('123'),
    workflow_path: i % 3 ? 'quick' : null,
    completed: i % 11 !== 0 && i % 5 !== 0,
    duration_seconds: i % 11 === 0 ? null : 0.25 + (i % 97) / 8,
    follow_up_actions: i % 4 || i % 11 === 0 ? [] : ['git commit'],
    error_type: i % 5 === 0 && i % 11 !== 0 ? 'TimeoutError' : null,
  }));
  writeFileSync(path, JSON.stringify({ invocations, skills: {}, last_updated: '2025-04-01T00:00:00.000000' }, null, 2));
}

async function contents(db: string) {
  const store = await openStore({ path: db });
  const invocations = [];
  for await (const inv of store.listInvocations({ pageSize: 5000 })) invocations.push(inv);
  const metrics = [...(await store.getAllMetrics())];
  await store.close();
  return { invocations, metrics };
}

describe('backfill killed and run again', () => {
  it(`ends, after SIGKILL at ${KILLS} random points, with the database of one uninterrupted run, re-importing at most one batch`, async () => {
    const file = join(dir, 'skill_metrics.json');
    legacyFile(file, N);
    const reference = join(dir, 'reference.db');
    const said: string[] = [];
    const io = { out: (t: string) => said.push(t), err: (t: string) => said.push(t) };
    expect(
      await main(['backfill', file, '--db', reference, '--tz', 'UTC', '--batch', '200'], io),
      said.join('\n'),
    ).toBe(0);
    const expected = await contents(reference);
    expect(expected.invocations).toHaveLength(N);

    let killedPartWay = 0;
    for (let k = 0; k < KILLS; k++) {
      const db = join(dir, `killed-${k}.db`);
      const worker = startWorker(WORKER, [file, db]);
      await worker.printed('ready');
      worker.go();
      await worker.printed('backfilling');
      await sleep(Math.random() * 500);
      worker.child.kill('SIGKILL');
      await worker.done.catch(() => undefined);
      const store = await openStore({ path: db });
      const before = await store.countInvocations();
      await store.close();
      if (before > 0 && before < N) killedPartWay++;
      // Run again: it resumes from its checkpoint, so at most one batch is found in already.
      const out: string[] = [];
      const again = { out: (t: string) => out.push(t), err: (t: string) => out.push(t) };
      expect(await main(['backfill', file, '--db', db, '--tz', 'UTC', '--batch', '200'], again), out.join('\n')).toBe(
        0,
      );
      const unchanged = Number(/unchanged: +([\d,]+)/.exec(out.join('\n'))?.[1]?.replace(/,/g, ''));
      if (before < N) expect(unchanged).toBeLessThanOrEqual(200);
      expect(await contents(db)).toEqual(expected);
    }
    // Most kills landed while it was importing, not before or after.
    expect(killedPartWay).toBeGreaterThan(KILLS / 2);
  }, 240_000);
});
