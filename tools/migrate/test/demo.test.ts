import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Invocation, openStore } from '@skill-metrics/core';
import { startWorker } from '@skill-metrics/core/testing/process';
import { STORAGE_MODES } from '@skill-metrics/dual';
import { main } from '@skill-metrics/migrate';
import { describe, expect, it } from 'vitest';
import { DEMO_DEFAULTS } from '../src/demo/run.js';

const tmp = mkdtempSync(join(tmpdir(), 'skill-metrics-demo-'));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}

/** The number a step's line gives after `prefix`, commas and all. */
function figure(text: string, pattern: RegExp): number {
  const match = pattern.exec(text);
  if (!match?.[1]) throw new Error(`no line matching ${pattern} in:\n${text}`);
  return Number(match[1].replaceAll(',', ''));
}

async function everything(db: string): Promise<Invocation[]> {
  const store = await openStore({ path: db, readonly: true });
  const all: Invocation[] = [];
  for await (const inv of store.listInvocations()) all.push(inv);
  await store.close();
  return all;
}

describe('skill-metrics demo', () => {
  it('takes a generated legacy file through backfill, every rollout mode, a failure repaired and the check', async () => {
    const dir = join(tmp, 'run');
    const { io, out } = capture();
    expect(await main(['demo', '--dir', dir], io)).toBe(0);
    const text = out.join('\n');

    const generated = figure(text, /^legacy file +([\d,]+) invocations of 6 skills, \d+ sessions over 21 days: /m);
    const pending = figure(text, /^ +the old tracker's quirks in it: (\d+) pending, 2 completions counted twice, /m);
    expect(generated).toBeGreaterThan(2000);
    expect(text).toMatch(new RegExp(`^backfill +Backfilled ${join(dir, 'skill_metrics.json')} into `, 'm'));
    expect(text).toMatch(new RegExp(`^ +inserted: +${generated.toLocaleString('en')}$`, 'm'));
    for (const quirk of ['pending-invocation', 'double-completion', 'completion-order-first-last', 'offset-timestamp'])
      expect(text).toMatch(new RegExp(`^ +${quirk}: [\\d,]+ — `, 'm'));
    for (const mode of STORAGE_MODES) {
      expect(text).toMatch(
        new RegExp(`^${mode} +${DEMO_DEFAULTS.perMode} ${mode} → .*; modeFor\\(session\\) now: ${mode}$`, 'm'),
      );
    }
    expect(text).toMatch(/^legacy +200 legacy → the file \+200, the database \+0;/m);
    expect(text).toMatch(/^db +200 db → the file \+0, the database \+200;/m);
    // The failure is real: writes to the database timed out while another process held its lock.
    const failed = figure(
      text,
      /^failure +process \d+ held the database's write lock for the last 10: (\d+) database writes timed out/m,
    );
    expect(failed).toBeGreaterThanOrEqual(DEMO_DEFAULTS.whileLocked);
    expect(figure(text, /^owed +(\d+) writes the database missed/m)).toBe(failed);
    expect(text).toMatch(
      /^repair +copied [\d,]+ into the database and 0 into the file, completed \d+, 0 conflicts, 0 failed; \d+ journal entries cleared\n +owed now 0; the file holds ([\d,]+), the database \1$/m,
    );
    for (const shadowed of ['verify', 'db-primary']) {
      expect(text).toMatch(
        new RegExp(`^${shadowed} .*\\n +(\\d+) reads also asked of the other side: \\1 matched, 0 mismatches`, 'm'),
      );
    }
    expect(text).toMatch(/^ +repair gave the file the 200 it lacked, so a step back loses nothing$/m);
    expect(text).toMatch(
      /^check +consistent: [\d,]+ invocations compared, only named quirks differ\n +owed 0, mismatches kept 0;/m,
    );
    expect(text).toContain('# Consistency check: consistent');
    expect(text).toContain('Skill Metrics Report');
    expect(text).toMatch(new RegExp(`^files +database: +${join(dir, 'skill_metrics.db')}$`, 'm'));

    // The database holds the file's invocations and the traffic's, and the file holds the same.
    const traffic = STORAGE_MODES.length * DEMO_DEFAULTS.perMode;
    const db = await everything(join(dir, 'skill_metrics.db'));
    expect(db.length).toBe(generated + traffic);
    expect(db.filter((i) => i.sessionId?.startsWith('demo-')).length).toBe(traffic);
    expect(db.filter((i) => i.status === 'pending').length).toBe(pending);
    const file = JSON.parse(readFileSync(join(dir, 'skill_metrics.json'), 'utf8'));
    expect(file.invocations.length).toBe(generated + traffic);

    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report.ok).toBe(true);
    expect(report.compared).toBe(generated + traffic);
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toContain('# Consistency check: consistent');
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toMatch(/^<!doctype html>/i);

    // Nothing owed, nothing mismatched, as another command sees it; the check agrees on its own.
    const status = capture();
    expect(await main(['status', '--db', join(dir, 'skill_metrics.db'), '--json'], status.io)).toBe(0);
    const state = JSON.parse(status.out.join('\n'));
    expect(state.owed).toBe(0);
    expect(state.mismatches).toBe(0);
    expect(state.guardrail).toBeNull();
    const check = capture();
    const args = ['check', join(dir, 'skill_metrics.json'), '--db', join(dir, 'skill_metrics.db')];
    expect(await main(args, check.io)).toBe(0);
  }, 120_000);

  it('refuses a --dir that is not empty or not a directory, in one line with exit 2, touching nothing', async () => {
    const full = join(tmp, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'keep.txt'), 'mine');
    const plain = join(tmp, 'plain.txt');
    writeFileSync(plain, 'x');
    for (const [dir, problem] of [
      [full, 'is not empty'],
      [plain, 'is not a directory'],
    ] as const) {
      const { io, out, err } = capture();
      expect(await main(['demo', '--dir', dir], io)).toBe(2);
      expect(err.join('\n')).toMatch(new RegExp(`^skill-metrics: --dir ${dir} ${problem}`));
      expect(out).toEqual([]);
    }
    expect(readdirSync(full)).toEqual(['keep.txt']);
    expect(readFileSync(plain, 'utf8')).toBe('x');
    // A database for the demo would go unused: refused rather than ignored.
    for (const option of ['--db', '--database-url']) {
      const { io, err } = capture();
      expect(await main(['demo', option, 'postgres://x/y'], io)).toBe(2);
      expect(err.join('\n')).toMatch(
        new RegExp(`^skill-metrics: demo makes its own database in its folder; ${option} does not apply`),
      );
    }
  });

  it('makes .session-buddy/demo-<time>/ in the folder it runs from when no --dir is given (its own process)', async () => {
    const cwd = join(tmp, 'cwd');
    mkdirSync(cwd);
    const lines = await startWorker(new URL('./workers/demo-in.ts', import.meta.url), [cwd]).done;
    const made = readdirSync(join(cwd, '.session-buddy'));
    expect(made).toHaveLength(1);
    expect(made[0]).toMatch(/^demo-\d{8}-\d{6}$/);
    const dir = join(cwd, '.session-buddy', made[0] as string);
    expect(lines[0]).toMatch(new RegExp(`^skill-metrics demo in ${dir} \\(naive times in `));
    for (const name of ['skill_metrics.json', 'skill_metrics.db', 'report.json', 'report.md', 'report.html'])
      expect(existsSync(join(dir, name)), name).toBe(true);
  }, 120_000);
});
