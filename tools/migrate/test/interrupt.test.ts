import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { openStore } from '@skill-metrics/core';
import { main } from '@skill-metrics/migrate';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROGRESS_INTERVAL_ENV } from '../src/backfill/progress.js';
import { printedCount, startCli } from './cli-process.js';
import { databaseContents, idsAndStatus, writeLegacyFile } from './legacy-fixture.js';

const N = 50_000;
const BATCH = 500;
const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-interrupt-'));
const file = join(dir, 'skill_metrics.json');
const small = join(dir, 'small.json');
let made: { invocations: number; pending: number };
const backfillArgs = (db: string, on = file) => ['backfill', on, '--db', db, '--tz', 'UTC', '--batch', String(BATCH)];
const STOPPED = 'Stopped at a batch boundary. Run the same command again to resume where it stopped.';
const PROGRESS_LINE = /^backfill: [\d,]+ invocations, \d+\.\d MB of \d+\.\d MB, [\d,]+\/s, about \d+ s left$/;

function capture() {
  const lines: string[] = [];
  return { io: { out: (t: string) => lines.push(t), err: (t: string) => lines.push(t) }, text: () => lines.join('\n') };
}

/** A stream that is not a terminal, keeping what is written to it. */
function pipe() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => chunks.join('') };
}

beforeAll(() => {
  made = writeLegacyFile(file, N);
  writeLegacyFile(small, 5000);
});

describe('a backfill stopped with Ctrl-C', () => {
  it('exits 130 at a batch boundary with a checkpoint, and a second run ends with the database of an uninterrupted one', async () => {
    const reference = join(dir, 'reference.db');
    const whole = capture();
    expect(await main(backfillArgs(reference), whole.io), whole.text()).toBe(0);

    const db = join(dir, 'interrupted.db');
    const run = startCli(backfillArgs(db), { [PROGRESS_INTERVAL_ENV]: '0' });
    await run.printed('stderr', PROGRESS_LINE);
    run.child.kill('SIGINT');
    const stopped = await run.exit;
    expect(stopped.code, stopped.stdout + stopped.stderr).toBe(130);
    expect(stopped.stdout).toContain(STOPPED);
    expect(stopped.stdout).not.toMatch(/^consistency:/m);

    const status = capture();
    expect(await main(['status', '--db', db, '--json'], status.io)).toBe(0);
    const checkpoint = JSON.parse(status.text()).backfillCheckpoint;
    expect(checkpoint).toMatchObject({ path: file, lastId: expect.any(String) });
    // Every invocation before the checkpoint is in, and nothing after it: it stopped between batches.
    expect(checkpoint.ordinal % BATCH).toBe(0);
    expect(checkpoint.ordinal).toBeGreaterThan(0);
    expect(checkpoint.ordinal).toBeLessThan(N);
    const store = await openStore({ path: db });
    expect(await store.countInvocations()).toBe(checkpoint.ordinal);
    expect(await store.getInvocation(checkpoint.lastId)).not.toBeNull();
    await store.close();

    const again = capture();
    expect(await main(backfillArgs(db), again.io), again.text()).toBe(0);
    expect(printedCount(again.text(), /resumed after/)).toBe(checkpoint.ordinal);
    expect(printedCount(again.text(), /inserted:/)).toBe(N - checkpoint.ordinal);
    expect(printedCount(again.text(), /unchanged:/)).toBe(0);
    expect(again.text()).toMatch(/^consistency: the file and the database agree/m);
    const after = capture();
    expect(await main(['status', '--db', db, '--json'], after.io)).toBe(0);
    expect(JSON.parse(after.text()).backfillCheckpoint).toBeNull();

    const resumed = await databaseContents(db);
    const expected = await databaseContents(reference);
    expect(resumed.invocations).toHaveLength(N);
    expect(idsAndStatus(resumed.invocations)).toEqual(idsAndStatus(expected.invocations));
    expect(resumed).toEqual(expected);
  }, 40_000);
});

describe('backfill progress off a terminal', () => {
  it('prints plain lines no more often than asked, then the summary', async () => {
    const everyMs = 250;
    const run = startCli(backfillArgs(join(dir, 'progress.db')), { [PROGRESS_INTERVAL_ENV]: String(everyMs) });
    const { code, stdout, stderr } = await run.exit;
    expect(code, stdout + stderr).toBe(0);
    // No escape sequence (colour, cursor moves) and no carriage return (a bar redrawn in place).
    expect(stderr.includes(String.fromCharCode(0x1b))).toBe(false);
    expect(stderr.includes('\r')).toBe(false);
    const lines = stderr.split('\n').filter(Boolean);
    for (const line of lines) expect(line).toMatch(PROGRESS_LINE);
    // The printed elapsed time is rounded to a tenth; the view starts a moment before the count.
    const elapsedMs = (Number(/^elapsed: +([\d.]+) s$/m.exec(stdout)?.[1]) + 0.1) * 1000;
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThanOrEqual(Math.floor(elapsedMs / everyMs));
    const reads = lines.map((l) => printedCount(l, /backfill:/));
    expect(reads).toEqual([...reads].sort((a, b) => a - b));
    expect(lines[0]).toContain(`of ${(statSync(file).size / 1e6).toFixed(1)} MB`);

    const count = (n: number) => n.toLocaleString('en');
    expect(stdout).toContain(`read:        ${count(N)} invocations (${count(made.pending)} pending, kept pending)`);
    expect(stdout).toMatch(new RegExp(`^inserted: +${count(N)}$`, 'm'));
    expect(stdout).toMatch(/^completed: +0 /m);
    expect(stdout).toMatch(/^unchanged: +0 /m);
    expect(stdout).toContain(`  pending-invocation: ${count(made.pending)} — `);
    expect(stdout).toContain(`consistency: the file and the database agree (${count(N)} invocations compared;`);
  }, 40_000);

  it('keeps to one line in 5 s by default, and says so when the interval asked for is not a number', async () => {
    const cases: Array<[string | undefined, RegExp | null]> = [
      [undefined, null],
      [
        'soon',
        /^skill-metrics: SKILL_METRICS_PROGRESS_MS must be a whole number of milliseconds, got "soon"; using 5000$/,
      ],
    ];
    for (const [value, warning] of cases) {
      const progress = pipe();
      const summary = capture();
      const before = process.env[PROGRESS_INTERVAL_ENV];
      if (value === undefined) delete process.env[PROGRESS_INTERVAL_ENV];
      else process.env[PROGRESS_INTERVAL_ENV] = value;
      try {
        const db = join(dir, `default-${value ?? 'unset'}.db`);
        const io = { ...summary.io, progress: progress.stream };
        expect(await main(backfillArgs(db, small), io), summary.text()).toBe(0);
      } finally {
        if (before === undefined) delete process.env[PROGRESS_INTERVAL_ENV];
        else process.env[PROGRESS_INTERVAL_ENV] = before;
      }
      const lines = progress.text().split('\n').filter(Boolean);
      const said = warning ? lines.filter((l) => warning.test(l)) : [];
      expect(said).toHaveLength(warning ? 1 : 0);
      const elapsedMs = (Number(/^elapsed: +([\d.]+) s$/m.exec(summary.text())?.[1]) + 0.1) * 1000;
      const progressLines = lines.filter((l) => PROGRESS_LINE.test(l));
      expect(progressLines.length + said.length).toBe(lines.length);
      expect(progressLines.length).toBeLessThanOrEqual(Math.floor(elapsedMs / 5000));
    }
  });
});
