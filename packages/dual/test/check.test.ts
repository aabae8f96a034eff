import { join } from 'node:path';
import { testInvocation } from '@skill-metrics/core/testing';
import { checkConsistency } from '@skill-metrics/dual';
import { readLegacyFile } from '@skill-metrics/json-legacy';
import { describe, expect, it } from 'vitest';
import { freshPaths, openDual } from './stores.js';

const FIXTURES = join(import.meta.dirname, '../../json-legacy/test/fixtures');

async function twoStores() {
  const store = await openDual(freshPaths(), { mode: 'dual-write' });
  for (let i = 0; i < 25; i++) {
    await store.track(`skill-${i % 3}`, () => i, { workflowPath: `w${i % 2}`, sessionId: `s${i % 4}` });
  }
  await store.trackInvocation('pending-one');
  await store.flush();
  return store;
}

describe('checkConsistency', () => {
  it('finds two stores that agree consistent, having compared every invocation and every skill', async () => {
    const store = await twoStores();
    const report = await checkConsistency(store.legacy, store.db);
    expect(report.ok).toBe(true);
    expect(report.verdict).toBeNull();
    expect(report.compared).toBe(26);
    expect(report.counts).toEqual({});
    const json = report.toJSON();
    expect(json).toMatchObject({
      version: 1,
      ok: true,
      compared: 26,
      left: { invocations: 26 },
      right: { invocations: 26 },
    });
    expect(JSON.parse(JSON.stringify(report))).toEqual(json);
    expect(report.toMarkdown()).toMatch(/^# Consistency check: consistent\n/);
    expect(report.toMarkdown()).toContain('| (none) | 0 |');
    await store.close();
  });

  it('classes each difference: missing on the left, missing on the right, fields that differ; with samples', async () => {
    const store = await twoStores();
    await store.legacy.recordInvocation(testInvocation({ id: 'only-left', skillName: 'skill-0' }));
    await store.db.recordInvocation(testInvocation({ id: 'only-right', skillName: 'skill-9' }));
    await store.legacy.recordInvocation(testInvocation({ id: 'both', skillName: 'skill-1', durationSeconds: 2 }));
    await store.db.recordInvocation(testInvocation({ id: 'both', skillName: 'skill-1', durationSeconds: 4 }));
    const report = await checkConsistency(store.legacy, store.db, { maxSamples: 2 });
    expect(report.ok).toBe(false);
    expect(report.counts).toEqual({
      'missing-right': 1,
      'missing-left': 2, // the invocation, and skill-9's figures
      'field-differs': 3, // the invocation, and skill-0's and skill-1's figures
    });
    expect(report.verdict).toBe('6 difference(s): 2 missing-left, 1 missing-right, 3 field-differs');
    const differs = report.differences.find((d) => d.class === 'field-differs' && d.id === 'both');
    expect(differs?.diff).toEqual([
      { path: '/completedAt', primary: '2026-03-01T12:00:02.000000Z', secondary: '2026-03-01T12:00:04.000000Z' },
      { path: '/durationSeconds', primary: 2, secondary: 4 },
    ]);
    expect(report.differences.filter((d) => d.class === 'field-differs')).toHaveLength(2);
    expect(report.bySkill['skill-1']).toEqual({ 'field-differs': 2 });
    expect(report.toMarkdown()).toContain('| field-differs | 3 |');
    expect(report.toMarkdown()).toContain('`/durationSeconds`: 2 ≠ 4');
    await store.close();
  });

  it('fails a comparison that compared nothing between non-empty stores, and passes two empty ones', async () => {
    const a = await openDual(freshPaths(), { mode: 'legacy' });
    await a.legacy.recordInvocation(testInvocation({ id: 'x' }));
    await a.db.recordInvocation(testInvocation({ id: 'y' }));
    const report = await checkConsistency(a.legacy, a.db);
    expect(report.ok).toBe(false);
    expect(report.verdict).toMatch(/nothing was compared/);
    await a.close();
    const b = await openDual(freshPaths(), { mode: 'legacy' });
    expect((await checkConsistency(b.legacy, b.db)).ok).toBe(true);
    await b.close();
  });

  it('checks a legacy file as it streams against its database, naming the file’s quirks without failing on them', async () => {
    for (const fixture of ['quirks.json', 'double-completion.json', 'completion-order.json', 'later-variant.json']) {
      const path = join(FIXTURES, fixture);
      const store = await openDual(freshPaths(), { mode: 'db' });
      const file = readLegacyFile(path, { timeZone: 'America/New_York' });
      // As a backfill does: every invocation, the old tracker's quirks kept.
      for await (const batch of file.batches()) {
        await store.db.recordInvocations(
          batch.map((e) => e.invocation),
          { legacyQuirks: true },
        );
      }
      const { quirks } = file.summary();
      const report = await checkConsistency({ legacyFile: path, timeZone: 'America/New_York' }, store.db);
      expect(report.ok, `${fixture}: ${report.verdict}`).toBe(true);
      expect(report.compared).toBe(report.left.invocations);
      for (const q of quirks) expect(report.counts[`quirk:${q.kind}`]).toBe(q.count);
      expect(quirks.length).toBeGreaterThan(0);
      // Read in another zone, every naive time is elsewhere: the check says so (later-variant's
      // times carry their offset, so no zone moves them).
      const shifted = await checkConsistency({ legacyFile: path, timeZone: 'Asia/Tokyo' }, store.db);
      expect(shifted.ok, fixture).toBe(fixture === 'later-variant.json');
      await store.close();
    }
  });
});
