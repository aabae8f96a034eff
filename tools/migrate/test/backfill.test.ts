import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Invocation, openStore } from '@skill-metrics/core';
import { main } from '@skill-metrics/migrate';
import { describe, expect, it } from 'vitest';

const FIXTURES = join(import.meta.dirname, '../../../packages/json-legacy/test/fixtures');
const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-backfill-'));
const TZ = ['--tz', 'America/New_York'];

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}

async function counts(db: string) {
  const store = await openStore({ path: db });
  const n = {
    all: await store.countInvocations(),
    pending: await store.countInvocations({ status: 'pending' }),
  };
  await store.close();
  return n;
}

describe('skill-metrics backfill, check, repair', () => {
  it('backfills a file with the same ids each run: a second run adds nothing, pending stays pending, the check agrees', async () => {
    const db = join(dir, 'double.db');
    const file = join(FIXTURES, 'double-completion.json');
    const first = capture();
    expect(await main(['backfill', file, '--db', db, ...TZ], first.io)).toBe(0);
    const text = first.out.join('\n');
    expect(text).toContain('naive times read in America/New_York');
    expect(text).toMatch(/consistency: the file and the database agree/);
    expect(text).toMatch(/double-completion: \d+/);
    const after = await counts(db);
    expect(after.all).toBeGreaterThan(0);
    const second = capture();
    expect(await main(['backfill', file, '--db', db, ...TZ], second.io)).toBe(0);
    expect(second.out.join('\n')).toMatch(/inserted: +0\n/);
    expect(await counts(db)).toEqual(after);

    const check = capture();
    const out = join(dir, 'check-out');
    expect(await main(['check', file, '--db', db, ...TZ, '--out', out], check.io)).toBe(0);
    expect(check.out.join('\n')).toContain('# Consistency check: consistent');
    const json = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(json.version).toBe(1);
    expect(json.ok).toBe(true);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toMatch(/^<!doctype html>/i);
    expect(existsSync(join(out, 'report.md'))).toBe(true);
  });

  it('imports every invocation the reader accepts, the old tracker’s odd values kept and counted as it counted them', async () => {
    const legacy = JSON.parse(readFileSync(join(FIXTURES, 'quirks.json'), 'utf8'));
    const at = '2026-07-02T09:00:00.250000';
    legacy.invocations.push(
      { ...legacy.invocations[0], skill_name: '', invoked_at: at, completed: true, duration_seconds: 3.5 },
      {
        ...legacy.invocations[0],
        skill_name: 'deploy',
        invoked_at: at,
        completed: false,
        duration_seconds: null,
        follow_up_actions: ['retry'],
        error_type: 'Timeout',
      },
    );
    legacy.skills[''] = {
      skill_name: '',
      total_invocations: 1,
      completed_invocations: 1,
      abandoned_invocations: 0,
      total_duration_seconds: 3.5,
      workflow_paths: { [legacy.invocations[0].workflow_path]: 1 },
      common_errors: {},
      follow_up_actions: {},
      first_invoked: at,
      last_invoked: at,
      completion_rate: 1,
      avg_duration_seconds: 3.5,
    };
    const file = join(dir, 'odd-values.json');
    writeFileSync(file, JSON.stringify(legacy, null, 2));
    const db = join(dir, 'odd-values.db');
    const { io, out } = capture();
    expect(await main(['backfill', file, '--db', db, ...TZ], io), out.join('\n')).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(/negative-duration: 1/);
    expect(text).toMatch(/consistency: the file and the database agree/);
    const store = await openStore({ path: db });
    const all: Invocation[] = [];
    for await (const inv of store.listInvocations()) all.push(inv);
    expect(all).toHaveLength(legacy.invocations.length);
    expect(all.filter((i) => (i.durationSeconds ?? 0) < 0)).toHaveLength(1);
    expect(all.find((i) => i.errorType === 'Timeout')).toMatchObject({ status: 'pending', followUpActions: ['retry'] });
    expect((await store.getAllMetrics()).get('')).toMatchObject({ totalInvocations: 1, totalDurationSeconds: 3.5 });
    // The deploy skill's total is the old tracker's: its -2 s summed as it was.
    const deploy = legacy.invocations.filter(
      (i: { skill_name: string; duration_seconds: number | null }) =>
        i.skill_name === 'deploy' && i.duration_seconds !== null,
    );
    const expected = deploy.reduce((sum: number, i: { duration_seconds: number }) => sum + i.duration_seconds, 0);
    expect((await store.getAllMetrics()).get('deploy')?.totalDurationSeconds).toBeCloseTo(expected, 9);
    await store.close();
  });

  it('check exits 1 when the database lacks what the file holds', async () => {
    const db = join(dir, 'partial.db');
    const store = await openStore({ path: db });
    await store.close();
    const { io, out } = capture();
    expect(await main(['check', join(FIXTURES, 'quirks.json'), '--db', db, ...TZ], io)).toBe(1);
    expect(out.join('\n')).toContain('DIFFERENCES');
  });

  it('--dry-run reads and reports and writes nothing', async () => {
    const db = join(dir, 'dry.db');
    const { io, out } = capture();
    expect(await main(['backfill', join(FIXTURES, 'quirks.json'), '--db', db, ...TZ, '--dry-run'], io)).toBe(0);
    expect(out.join('\n')).toMatch(/would give: +\d+ to the database; nothing written/);
    const left = await counts(db);
    expect(left.all).toBe(0);
  });

  it('refuses bad input with one line and exit 2, creating no database', async () => {
    writeFileSync(join(dir, 'zero.json'), '');
    const cases: Array<[string[], RegExp]> = [
      [['backfill', join(dir, 'missing.json')], /no legacy file at .*missing\.json/],
      [['backfill', join(FIXTURES, 'torn.json')], /torn\.json does not end with "}"/],
      [['backfill', join(FIXTURES, 'not-an-object.json')], /not-an-object\.json is not a JSON object/],
      [['backfill', join(dir, 'zero.json')], /zero\.json is empty/],
      [['backfill', join(FIXTURES, 'quirks.json'), '--tz', 'Mars/Olympus'], /--tz "Mars\/Olympus" is not a time zone/],
      [['backfill', join(FIXTURES, 'quirks.json'), '--batch', 'lots'], /--batch must be a whole number/],
      [['backfill'], /backfill needs <legacy\.json>/],
    ];
    for (const [argv, message] of cases) {
      const db = join(dir, 'never.db');
      const { io, err } = capture();
      expect(await main([...argv, '--db', db], io), argv.join(' ')).toBe(2);
      expect(err.join('\n').split('\n')[0]).toMatch(message);
      expect(existsSync(db), argv.join(' ')).toBe(false);
    }
  });

  it('repair copies into the file what only the database holds, and a second repair does nothing', async () => {
    const file = join(dir, 'repair.json');
    copyFileSync(join(FIXTURES, 'double-completion.json'), file);
    const db = join(dir, 'repair.db');
    const filled = capture();
    expect(await main(['backfill', file, '--db', db, ...TZ], filled.io), filled.out.join('\n')).toBe(0);
    const store = await openStore({ path: db });
    const h = await store.trackInvocation('only-in-the-database');
    await h.complete();
    await store.close();
    const first = capture();
    expect(await main(['repair', file, '--db', db, ...TZ], first.io)).toBe(0);
    expect(first.out.join('\n')).toMatch(/copied: +1 into the file, 0 into the database/);
    const second = capture();
    expect(await main(['repair', file, '--db', db, ...TZ], second.io)).toBe(0);
    expect(second.out.join('\n')).toMatch(/copied: +0 into the file, 0 into the database/);
    expect(readFileSync(file, 'utf8')).toContain('only-in-the-database');
  });
});
