import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { type InvocationInput, uuidv7 } from '@skill-metrics/core/contract';
import { releaseTogether, startWorker, wholeLines } from '@skill-metrics/core/testing/process';
import { type LegacyEntry, openLegacyStore, readLegacyFile } from '@skill-metrics/json-legacy';
import { describe, expect, it } from 'vitest';

const startWriter = (args: string[]) => startWorker(new URL('./workers/writer.ts', import.meta.url), args);

const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-legacy-processes-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function entriesOf(path: string): Promise<LegacyEntry[]> {
  const out: LegacyEntry[] = [];
  for await (const entry of readLegacyFile(path, { timeZone: 'UTC' }).invocations) out.push(entry);
  return out;
}

describe('LegacyJsonStore under several OS processes', () => {
  it('2 processes × 500 track+complete on one file: nothing lost, counters exact', async () => {
    const file = join(dir, 'two', 'skill_metrics.json');
    const workers = [0, 1].map(() => startWriter(['complete', file, '500', 'shared-skill']));
    const outputs = await releaseTogether(workers);
    const reports = outputs.map((lines) => JSON.parse(lines.at(-1) as string));
    for (const r of reports) expect(r).toMatchObject({ done: 500, errors: 0 });
    // Each saw the other's writes and re-read the file under the lock before writing.
    for (const r of reports) expect(r.loads).toBeGreaterThan(20);

    const store = await openLegacyStore({ path: file, timeZone: 'UTC' });
    expect(await store.getSkillMetrics('shared-skill')).toMatchObject({
      totalInvocations: 1000,
      completedInvocations: 750,
      abandonedInvocations: 250,
      followUpActions: { next: 1000 },
    });
    const sessions = new Map<string | null, number>();
    for await (const inv of store.listInvocations()) {
      expect(inv.status).not.toBe('pending');
      sessions.set(inv.sessionId, (sessions.get(inv.sessionId) ?? 0) + 1);
    }
    expect([...sessions.values()]).toEqual([500, 500]);
    // Nothing lost, nothing counted twice: the only quirks are the format's own. Every invocation has a
    // session_id (a later trackers' key); a start on a whole second (1 in 1,000) has no fraction; and
    // with two processes completing in turn, the file's last_invoked follows completion order.
    const quirks = await store.quirks();
    const extra = quirks.find((q) => q.kind === 'extra-invocation-keys');
    expect(extra).toMatchObject({ count: 1000, keys: { session_id: 1000 } });
    const allowed = ['extra-invocation-keys', 'no-fraction-timestamp', 'completion-order-first-last'];
    expect(quirks.map((q) => q.kind).filter((k) => !allowed.includes(k))).toEqual([]);
    await store.close();
    // The old tracker's counters in the file are exact too.
    const raw = JSON.parse(readFileSync(file, 'utf8'));
    expect(raw.skills['shared-skill']).toMatchObject({
      total_invocations: 1000,
      completed_invocations: 750,
      abandoned_invocations: 250,
      workflow_paths: { 'path-0': 334, 'path-1': 334, 'path-2': 332 },
      completion_rate: 75,
    });
  }, 60_000);

  it('a writer killed with SIGKILL mid-write, 30 times: the file is always whole, every confirmed completion in it', async () => {
    const file = join(dir, 'killed.json');
    const log = join(dir, 'killed.log');
    writeFileSync(log, '');
    // A few thousand invocations already, so that each rewrite takes a while and kills land inside one.
    const seed = await openLegacyStore({ path: file, timeZone: 'UTC' });
    const history: InvocationInput[] = Array.from({ length: 3000 }, (_, i) => ({
      id: uuidv7(),
      skillName: `skill-${i % 5}`,
      invokedAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
      workflowPath: `w${i % 7}`,
      completed: i % 3 !== 0,
      durationSeconds: 1 + (i % 10) / 4,
      errorType: null,
      followUpActions: [],
      sessionId: null,
      projectPath: null,
      userContext: null,
    }));
    await seed.recordInvocations(history);
    await seed.close();
    const known = new Set(history.map((h) => h.id));

    let leftTemporaries = 0;
    let leftLocks = 0;
    let previous = await entriesOf(file);
    for (let round = 0; round < 30; round++) {
      const writer = startWriter(['forever', file, log]);
      await writer.printed('ready');
      writer.go();
      await writer.printed('writing');
      await sleep(Math.random() * 40);
      writer.child.kill('SIGKILL');
      await writer.done.catch(() => undefined);

      // Whole: the streaming reader reads it to the end with no error.
      const entries = await entriesOf(file);
      const byId = new Map(entries.map((e) => [e.id, e]));
      // Old or new: what was there before is still there, in place, finished ones unchanged.
      previous.forEach((p) => {
        const now = entries[p.ordinal];
        expect(now?.id).toBe(p.id);
        if (p.invocation.status !== 'pending') expect(now?.raw).toEqual(p.raw);
      });
      const confirmed = wholeLines(log);
      for (const id of confirmed) expect(byId.get(id)?.invocation.status, id).toMatch(/^(completed|abandoned)$/);
      // Beyond the confirmed ones, at most the one change each killed writer had in flight.
      const unconfirmed = entries.filter((e) => !known.has(e.id) && !confirmed.includes(e.id));
      expect(unconfirmed.length).toBeLessThanOrEqual(round + 1);
      previous = entries;

      // What the dead writer left: a temporary file (never read: the reader above read the target)
      // and its lock, which a live writer would take over as stale after lockStaleMs.
      const temporaries = readdirSync(dir).filter((f) => f.startsWith(`${basename(file)}.tmp-`));
      leftTemporaries += temporaries.length > 0 ? 1 : 0;
      if (existsSync(`${file}.lock`)) {
        leftLocks += 1;
        rmSync(`${file}.lock`, { recursive: true });
      }
    }
    const confirmed = wholeLines(log);
    expect(confirmed.length).toBeGreaterThanOrEqual(30);
    // The kills did land inside writes.
    expect(leftLocks + leftTemporaries).toBeGreaterThan(5);
    // The next write clears the dead writers' temporary files.
    const store = await openLegacyStore({ path: file, timeZone: 'UTC' });
    await store.track('after', () => undefined);
    await store.close();
    expect(readdirSync(dir).filter((f) => f.startsWith(`${basename(file)}.tmp-`))).toEqual([]);
  }, 60_000);

  it('takes over the lock of a writer killed while holding it, once the lock is stale', async () => {
    const file = join(dir, 'stale.json');
    const log = join(dir, 'stale.log');
    writeFileSync(log, '');
    const writer = startWriter(['forever', file, log]);
    await writer.printed('ready');
    writer.go();
    await writer.printed('writing');
    while (!existsSync(`${file}.lock`)) await sleep(0);
    writer.child.kill('SIGKILL');
    await writer.done.catch(() => undefined);
    expect(existsSync(`${file}.lock`)).toBe(true);
    const store = await openLegacyStore({ path: file, timeZone: 'UTC', lockStaleMs: 2000, lockTimeoutMs: 10_000 });
    const started = Date.now();
    await store.track('after-the-kill', () => undefined);
    expect(Date.now() - started).toBeGreaterThan(500);
    expect((await store.getSkillMetrics('after-the-kill'))?.completedInvocations).toBe(1);
    await store.close();
    expect(existsSync(`${file}.lock`)).toBe(false);
  }, 30_000);
});
