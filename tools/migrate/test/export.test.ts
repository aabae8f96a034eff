import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { legacySkill, legacySummary, openStore } from '@skill-metrics/core';
import { testInvocation } from '@skill-metrics/core/testing';
import { main } from '@skill-metrics/migrate';
import { describe, expect, it } from 'vitest';
import { printedCount, startCli } from './cli-process.js';

const FIXTURES = join(import.meta.dirname, '../../../packages/json-legacy/test/fixtures');
const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-export-cli-'));
let n = 0;

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}

/** A database backfilled from a legacy fixture, with live invocations tracked on top (one left pending). */
async function backfilledDatabase(): Promise<string> {
  const db = join(dir, `metrics-${n++}.db`);
  const backfill = capture();
  const file = join(FIXTURES, 'quirks.json');
  expect(await main(['backfill', file, '--db', db, '--tz', 'UTC'], backfill.io)).toBe(0);
  const store = await openStore({ path: db });
  await store.track('pytest-runner', () => 'ok', { workflowPath: 'über 🚀', sessionId: 's-1' });
  await (await store.trackInvocation('crackerjack-run')).complete({ completed: false, errorType: 'Timeout' });
  await store.trackInvocation('crackerjack-run');
  await store.close();
  return db;
}

/** Every file under `path` with a digest of its bytes, to show that a refused command changed nothing. */
function contents(path: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(path, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => {
        const file = join(e.parentPath, e.name);
        return [file, createHash('sha256').update(readFileSync(file)).digest('hex')];
      }),
  );
}

describe('skill-metrics export', () => {
  it("writes the database's export: its totals are getSummary's, its skills getAllMetrics', every invocation in it", async () => {
    const db = await backfilledDatabase();
    const out = join(dir, `export-${n++}.json`);
    const run = capture();
    expect(await main(['export', out, '--db', db], run.io)).toBe(0);
    const printed = run.out.join('\n');
    const data = JSON.parse(readFileSync(out, 'utf8'));

    const store = await openStore({ path: db, readonly: true });
    const summary = await store.getSummary();
    const skills = [...(await store.getAllMetrics()).values()];
    const stored = await store.countInvocations();
    const pending = await store.countInvocations({ status: 'pending' });
    await store.close();
    expect(data.summary).toEqual(legacySummary(summary));
    expect(data.summary.total_invocations).toBe(stored - pending);
    expect(data.skills).toEqual(Object.fromEntries(skills.map((m) => [m.skillName, legacySkill(m)])));
    expect(data.invocations).toHaveLength(stored);
    expect(data.invocations.filter((i: { status: string }) => i.status === 'pending')).toHaveLength(pending);
    expect(data.invocations.some((i: { workflow_path: string }) => i.workflow_path === 'über 🚀')).toBe(true);

    expect(printed).toContain(`export:       ${out}`);
    expect(printedCount(printed, /skills:/)).toBe(skills.length);
    expect(printedCount(printed, /invocations:/)).toBe(stored);
    expect(printed).toMatch(/elapsed: +\d+\.\d\d s/);
    expect(run.err).toEqual([]);
  });

  it('refuses a place it cannot write in one line with exit 2, and changes nothing', async () => {
    const db = await backfilledDatabase();
    const place = mkdtempSync(join(dir, 'place-'));
    mkdirSync(join(place, 'a-folder'));
    writeFileSync(join(place, 'a-file'), 'not a folder');
    const before = { place: contents(place), db: contents(dir) };
    const cases: Array<[string, RegExp]> = [
      [
        join(place, 'missing', 'out.json'),
        /^skill-metrics: the export cannot be written to .*: no directory .*missing$/,
      ],
      [join(place, 'a-folder'), /^skill-metrics: the export cannot be written to .*a-folder: it is a directory$/],
      [
        join(place, 'a-file', 'out.json'),
        /^skill-metrics: the export cannot be written to .*: .*a-file is not a directory$/,
      ],
      [db, /^skill-metrics: the export cannot be written over the database's own file .*\.db$/],
    ];
    for (const [out, message] of cases) {
      const run = capture();
      expect(await main(['export', out, '--db', db], run.io), out).toBe(2);
      expect(run.err, out).toHaveLength(1);
      expect(run.err[0], out).toMatch(message);
      expect(run.out, out).toEqual([]);
    }
    expect(contents(place)).toEqual(before.place);
    expect(contents(dir)).toEqual(before.db);

    const noDatabase = capture();
    const missing = join(place, 'none.db');
    expect(await main(['export', join(place, 'out.json'), '--db', missing], noDatabase.io)).toBe(2);
    expect(noDatabase.err).toEqual([`skill-metrics: no database at ${missing}`]);
    expect(readdirSync(place).sort()).toEqual(['a-file', 'a-folder']);

    const usage = capture();
    expect(await main(['export', '--db', db], usage.io)).toBe(2);
    expect(usage.err[0]).toMatch(/^skill-metrics: export needs <out\.json>/);
  });

  it('exports in its own process while another process writes to the database', async () => {
    const db = join(dir, `live-${n++}.db`);
    const store = await openStore({ path: db });
    const before = 60_000;
    await store.recordInvocations(
      Array.from({ length: before }, (_, i) =>
        testInvocation({ id: `live-${i}`, skillName: `skill-${i % 4}`, durationSeconds: i / 7 }),
      ),
    );
    const out = join(dir, `live-${n++}.json`);
    const cli = startCli(['export', out, '--db', db]);
    let exited = false;
    void cli.exit.then(() => {
      exited = true;
    });
    // The export is under way while its temporary file is there.
    const exporting = () => readdirSync(dir).some((f) => f.startsWith(`${basename(out)}.tmp-`));
    let tracked = 0;
    let trackedWhileExporting = 0;
    while (!exited) {
      const during = exporting();
      await store.track('live-writer', () => undefined);
      tracked++;
      if (during && exporting()) trackedWhileExporting++;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const { code, stdout, stderr } = await cli.exit;
    await store.close();
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(trackedWhileExporting).toBeGreaterThan(0);
    const data = JSON.parse(readFileSync(out, 'utf8'));
    const exported = printedCount(stdout, /invocations:/);
    expect(data.invocations).toHaveLength(exported);
    expect(exported).toBeGreaterThanOrEqual(before);
    expect(exported).toBeLessThanOrEqual(before + tracked);
    const ids = data.invocations.map((i: { id: string }) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
  }, 60_000);
});
