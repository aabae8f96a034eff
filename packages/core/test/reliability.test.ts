import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMigrations, openStore } from '@skill-metrics/core';
import { releaseTogether, startWorker, wholeLines } from '@skill-metrics/core/testing/process';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';

const startWriter = (args: string[]) => startWorker(new URL('./workers/writer.ts', import.meta.url), args);

const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-reliability-'));

describe('SqliteStore under several OS processes', () => {
  it('4 processes × 2,000 track+complete on one file: totals exact, nothing lost, no error', async () => {
    const db = join(dir, 'four.db');
    const workers = Array.from({ length: 4 }, () => startWriter(['track', db, '2000', 'shared-skill']));
    const outputs = await releaseTogether(workers);
    for (const lines of outputs) expect(JSON.parse(lines.at(-1) as string)).toEqual({ done: 2000, errors: 0 });

    const store = await openStore({ path: db });
    const m = await store.getSkillMetrics('shared-skill');
    expect(m).toMatchObject({
      totalInvocations: 8000,
      completedInvocations: 6000,
      abandonedInvocations: 2000,
      completionRate: 75,
      followUpActions: { next: 8000 },
    });
    expect(Object.values(m?.workflowPaths ?? {}).reduce((a, b) => a + b, 0)).toBe(8000);
    let finished = 0;
    for await (const inv of store.listInvocations({ pageSize: 1000 })) if (inv.status !== 'pending') finished++;
    expect(finished).toBe(8000);
    await store.close();
  }, 120_000);

  it('8 processes opening one fresh file at once: all succeed, each migration applied once', async () => {
    const db = join(dir, 'fresh.db');
    const workers = Array.from({ length: 8 }, () => startWriter(['open', db]));
    const outputs = await releaseTogether(workers);
    const applied = outputs.flatMap((lines) => (JSON.parse(lines.at(-1) as string) as { applied: number[] }).applied);
    const versions = loadMigrations().map((m) => m.version);
    expect(applied.sort((a, b) => a - b)).toEqual(versions);
    const raw = new Database(db, { readonly: true });
    expect(raw.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all()).toEqual(versions);
    raw.close();
  }, 120_000);

  it('a writer killed with SIGKILL at random points, 50 times: intact file, every resolved completion counted', async () => {
    const db = join(dir, 'killed.db');
    const log = join(dir, 'killed.log');
    writeFileSync(log, '');
    for (let round = 0; round < 50; round++) {
      const writer = startWriter(['forever', db, log]);
      await writer.printed('ready');
      writer.go();
      await writer.printed('writing');
      await new Promise((r) => setTimeout(r, Math.random() * 40));
      writer.child.kill('SIGKILL');
      await writer.done.catch(() => undefined);
      wholeLines(log);
    }
    const confirmed = wholeLines(log);
    expect(confirmed.length).toBeGreaterThan(50);

    const raw = new Database(db, { readonly: true });
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    raw.close();

    const store = await openStore({ path: db });
    const byId = new Map<string, string>();
    let finished = 0;
    for await (const inv of store.listInvocations({ pageSize: 1000 })) {
      byId.set(inv.id, inv.status);
      if (inv.status !== 'pending') finished++;
    }
    for (const id of confirmed) expect(byId.get(id), id).toMatch(/^(completed|abandoned)$/);
    // Every finished invocation is counted, and nothing else is.
    const summary = await store.getSummary();
    expect(summary.totalInvocations).toBe(finished);
    await store.close();
  }, 300_000);
});
