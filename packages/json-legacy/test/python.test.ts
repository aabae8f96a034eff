import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatEpochMs, type InvocationInput } from '@skill-metrics/core/contract';
import { testInvocation } from '@skill-metrics/core/testing';
import { legacyInvocationId, openLegacyStore, readLegacyFile, toLegacyTimestamp } from '@skill-metrics/json-legacy';
import { describe, expect, it } from 'vitest';

/**
 * The real proof that the old Python tracker can read what this store writes: python3 itself loads
 * the files and checks layout, fields and aggregates (test/python/legacy_check.py).
 */
const CHECK = fileURLToPath(new URL('./python/legacy_check.py', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-legacy-python-'));

function python(...args: string[]): string {
  try {
    return execFileSync('python3', [CHECK, ...args], { encoding: 'utf8' });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`legacy_check.py ${args[0]}: ${e.stderr || e.message}`);
  }
}

describe('what LegacyJsonStore writes, as Python reads it', () => {
  it('is json.dumps(indent=2) byte for byte, loads into the old dataclasses, and holds the old aggregates', async () => {
    const path = join(dir, 'fresh.json');
    const timeZone = 'Europe/Berlin';
    const store = await openLegacyStore({ path, timeZone });
    const order: number[] = [];
    // Overlapping runs finished in another order than they started.
    const a = await store.trackInvocation('crackerjack-run', { workflowPath: 'comprehensive' }); // 0
    const b = await store.trackInvocation('pytest-runner', { workflowPath: '' }); // 1
    const c = await store.trackInvocation('déploiement 🚀', { workflowPath: 'v1.2' }); // 2
    await b.complete({ completed: false, errorType: '' });
    order.push(1);
    await c.complete({
      followUpActions: ['git "push"', 'tab\there', 'back\\slash', '\u0001ctl', '\u007fdel', 'é', '🚀', '测试', ''],
    });
    order.push(2);
    await a.complete({ errorType: '[Errno 2] No such file' });
    order.push(0);
    await store.trackInvocation('crackerjack-run'); // 3, stays pending
    for (let i = 0; i < 6; i++) {
      const h = await store.trackInvocation(i % 2 ? 'pytest-runner' : 'crackerjack-run', { workflowPath: `w${i % 3}` });
      await h.complete({ completed: i % 3 !== 0, followUpActions: i % 2 ? ['git commit'] : [] });
      order.push(4 + i);
    }
    // Imported invocations whose ids are the ones derived from their place: no extra key is needed.
    const durations = [0, 1e-5, 86400, 123456789.123, 5, 0.1 + 0.2, 2.5e-7, 1.5e-16];
    const batch: InvocationInput[] = durations.map((durationSeconds, k) => {
      const ordinal = 10 + k;
      const invokedAt = formatEpochMs(Date.parse('2026-10-25T00:30:00Z') + k * 1_800_000 + 0.123);
      const identity = {
        skill_name: 'imported',
        invoked_at: toLegacyTimestamp(invokedAt, timeZone),
        workflow_path: null,
      };
      order.push(ordinal);
      return testInvocation({ id: legacyInvocationId(identity, ordinal), invokedAt, durationSeconds });
    });
    await store.recordInvocations(batch);
    await store.close();

    python('layout', path);
    expect(JSON.parse(python('loads', path))).toEqual({ invocations: 18, skills: 4 });
    python('replay', path, JSON.stringify(order));
    expect(python('values', path, 'duration_seconds').trim().split('\n').slice(10)).toEqual([
      '0.0',
      '1e-05',
      '86400.0',
      '123456789.123',
      '5.0',
      '0.30000000000000004',
      '2.5e-07',
      '1.5e-16',
    ]);
    // The imports span the night clocks went back in Berlin (2026-10-25, 03:00 CEST → 02:00 CET): a
    // local time of the repeated hour that a naive reading would misplace is written with its offset.
    const times = (JSON.parse(readFileSync(path, 'utf8')) as { invocations: Array<{ invoked_at: string }> }).invocations
      .slice(10)
      .map((i) => i.invoked_at);
    expect(times).toEqual([
      '2026-10-25T02:30:00.000123', // 00:30Z: the first 02:30, which is how a naive 02:30 reads (Python's fold=0)
      '2026-10-25T02:00:00.000123+01:00', // 01:00Z, 01:30Z: the second 02:00–03:00, which a naive time cannot say
      '2026-10-25T02:30:00.000123+01:00',
      '2026-10-25T03:00:00.000123',
      '2026-10-25T03:30:00.000123',
      '2026-10-25T04:00:00.000123',
      '2026-10-25T04:30:00.000123',
      '2026-10-25T05:00:00.000123',
    ]);
    const again = await openLegacyStore({ path, timeZone });
    const read: string[] = [];
    for await (const inv of again.listInvocations({ skillName: 'imported' })) read.push(inv.invokedAt);
    expect(read).toEqual(batch.map((i) => i.invokedAt));
    await again.close();
  });

  for (const [fixture, timeZone] of [
    ['tracker.json', 'UTC'],
    ['later-variant.json', 'UTC'],
    ['quirks.json', 'Asia/Kolkata'],
    ['completion-order.json', 'America/New_York'],
    ['empty.json', 'UTC'],
  ] as const) {
    it(`rewrites ${fixture} as the old tracker would have, keeping every other byte`, async () => {
      const before = join(dir, `before-${fixture}`);
      const path = join(dir, fixture);
      copyFileSync(join(FIXTURES, fixture), before);
      copyFileSync(join(FIXTURES, fixture), path);
      const pending: Array<{ id: string; ordinal: number }> = [];
      const file = readLegacyFile(before, { timeZone });
      for await (const entry of file.invocations) {
        if (entry.invocation.status === 'pending') pending.push({ id: entry.id, ordinal: entry.ordinal });
      }
      const count = file.summary().invocationCount;
      const store = await openLegacyStore({ path, timeZone });
      // Start one, finish what was pending (last first), finish the new one, start one that stays pending.
      const fresh = await store.trackInvocation('new-skill', { workflowPath: 'quick' });
      for (const { id } of [...pending].reverse()) {
        await store.recordInvocation({
          ...(await find(store, id)),
          completed: true,
          durationSeconds: 1.5,
          followUpActions: ['git push'],
        });
      }
      await fresh.complete({ followUpActions: ['deploy'] });
      await store.trackInvocation('new-skill');
      await store.close();
      const raw = JSON.parse(readFileSync(path, 'utf8')) as { invocations: unknown[] };
      expect(raw.invocations).toHaveLength(count + 2);
      const ordinals = [...pending.map((p) => p.ordinal).reverse(), count];
      python('apply', before, path, JSON.stringify(ordinals));
      python('layout', path);
    });
  }
});

async function find(store: Awaited<ReturnType<typeof openLegacyStore>>, id: string) {
  for await (const inv of store.listInvocations()) {
    if (inv.id === id) {
      const { status: _status, completedAt: _completedAt, ...input } = inv;
      return input;
    }
  }
  throw new Error(`no invocation ${id}`);
}
