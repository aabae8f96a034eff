import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@skill-metrics/core';
import type { Invocation } from '@skill-metrics/core/contract';
import { listAll } from '@skill-metrics/core/testing';
import { startWorker } from '@skill-metrics/core/testing/process';
import { openLegacyStore } from '@skill-metrics/json-legacy';
import { main } from '@skill-metrics/migrate';
import { describe, expect, it } from 'vitest';
import { PROGRESS_INTERVAL_ENV } from '../src/backfill/progress.js';
import { type CliRun, printedCount, startCli } from './cli-process.js';
import { expectFigures, figuresFrom, writeLegacyFile } from './legacy-fixture.js';

const TRAFFIC = new URL('./workers/live-traffic.ts', import.meta.url);
const N = 5000;
const NEW = 40;
const COMPLETIONS = 60;
const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-race-'));
const TZ = ['--tz', 'UTC'];

/** When live traffic starts, against the backfill's reading of the file. */
type Timing = 'before' | 'together' | 'while' | 'after';

function capture() {
  const lines: string[] = [];
  return { io: { out: (t: string) => lines.push(t), err: (t: string) => lines.push(t) }, text: () => lines.join('\n') };
}

async function cli(argv: string[]): Promise<{ code: number; text: string }> {
  const c = capture();
  const code = await main(argv, c.io);
  return { code, text: c.text() };
}

async function listed(open: () => Promise<{ close(): Promise<void> } & Parameters<typeof listAll>[0]>) {
  const store = await open();
  try {
    return await listAll(store, { pageSize: 5000 });
  } finally {
    await store.close();
  }
}

const byId = (invocations: Invocation[]) => new Map(invocations.map((i) => [i.id, i]));

/** One race: the CLI's backfill (A) and the dual store's live traffic (B), B started as `timing` says. */
async function race(timing: Timing, round: number) {
  const file = join(dir, `race-${round}.json`);
  const db = join(dir, `race-${round}.db`);
  const log = join(dir, `race-${round}.log`);
  const made = writeLegacyFile(file, N);
  writeFileSync(log, '');
  const legacy = () => openLegacyStore({ path: file, timeZone: 'UTC' });
  const original = byId(await listed(legacy));

  const traffic = startWorker(TRAFFIC, [file, db, log, String(NEW), String(COMPLETIONS)]);
  await traffic.printed('ready');
  const backfill = (): CliRun =>
    startCli(['backfill', file, '--db', db, ...TZ, '--batch', '100'], { [PROGRESS_INTERVAL_ENV]: '0' });
  let a: CliRun;
  if (timing === 'before') {
    traffic.go();
    await traffic.printed('writing');
    a = backfill();
  } else if (timing === 'together') {
    a = backfill();
    traffic.go();
  } else {
    a = backfill();
    // 'while': once two of its batches are in (a progress line after each); 'after': once it has read the whole file.
    if (timing === 'while') {
      let progressLines = 0;
      await a.printed('stderr', () => ++progressLines === 2);
    } else await a.printed('stdout', /^Backfilled /);
    traffic.go();
  }
  const [first] = await Promise.all([a.exit, traffic.done]);
  // Its own check ran against live traffic, so it may find writes still on their way: 1, never 2.
  expect([0, 1], first.stdout + first.stderr).toContain(first.code);
  expect(first.stdout).toMatch(/^consistency: /m);
  const read = printedCount(first.stdout, /read:/);
  const pendingRead = printedCount(first.stdout, /invocations \(/);
  // Found in already: only what live traffic had written into the database while it imported.
  const unchanged = printedCount(first.stdout, /unchanged:/);
  if (timing === 'before') expect(pendingRead).toBeLessThan(made.pending);
  if (timing !== 'after') expect(unchanged).toBeGreaterThan(0);
  if (timing === 'after') expect([read, pendingRead, unchanged]).toEqual([N, made.pending, 0]);

  // What B was told, the moment each call resolved.
  const logged = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  const completedByB = new Map(
    logged
      .filter((l) => l.startsWith('completed '))
      .map((l) => {
        const [, id, outcome] = /^completed (\S+) (.*)$/.exec(l) as RegExpExecArray;
        return [id as string, JSON.parse(outcome as string)];
      }),
  );
  const newByB = logged.filter((l) => l.startsWith('new ')).map((l) => l.slice(4));
  expect([completedByB.size, newByB.length]).toEqual([COMPLETIONS, NEW]);

  const status = JSON.parse((await cli(['status', '--db', db, '--json'])).text);
  if (status.owed > 0) expect((await cli(['repair', file, '--db', db, ...TZ])).code).toBe(0);
  const second = await cli(['backfill', file, '--db', db, ...TZ, '--batch', '100']);
  expect(second.code, second.text).toBe(0);
  expect([printedCount(second.text, /inserted:/), printedCount(second.text, /completed:/)], second.text).toEqual([
    0, 0,
  ]);

  const inFile = await listed(legacy);
  const inDb = await listed(() => openStore({ path: db }));
  // Every invocation once: the file's, and nothing else.
  expect(inFile).toHaveLength(N + NEW);
  expect(new Set(inDb.map((i) => i.id)).size).toBe(inDb.length);
  expect(inDb.map((i) => i.id).sort()).toEqual(inFile.map((i) => i.id).sort());
  // Each in its latest state, alike on both sides.
  const dbById = byId(inDb);
  for (const inv of inFile) expect(dbById.get(inv.id), inv.id).toEqual(inv);
  for (const [id, outcome] of completedByB) {
    expect(original.get(id)?.status, id).toBe('pending');
    expect(dbById.get(id), id).toMatchObject({
      status: outcome.completed ? 'completed' : 'abandoned',
      completed: outcome.completed,
      errorType: outcome.errorType,
      followUpActions: outcome.followUpActions,
      durationSeconds: outcome.durationSeconds,
    });
  }
  for (const id of newByB) expect(dbById.get(id)?.status, id).not.toBe('pending');
  for (const [id, before] of original) {
    const now = dbById.get(id);
    if (before.status !== 'pending')
      expect(now, id).toEqual(before); // finished stays as it finished
    else if (!completedByB.has(id)) expect(now?.status, id).toBe('pending');
  }
  // Every skill's figures are those of its final invocations.
  const store = await openStore({ path: db });
  try {
    const skills = [...new Set(inDb.map((i) => i.skillName))];
    for (const skill of skills) expectFigures(await store.getSkillMetrics(skill), figuresFrom(skill, inDb));
    expect([...(await store.getAllMetrics()).keys()].sort()).toEqual(skills.sort());
  } finally {
    await store.close();
  }
  const check = await cli(['check', file, '--db', db, ...TZ]);
  expect(check.code, check.text).toBe(0);
}

describe('backfill racing live dual-write traffic, in two processes', () => {
  const timings: Timing[] = ['before', 'together', 'while', 'after'];
  it(`${timings.length} rounds: every invocation once, in its latest state, the figures its own, the check clean`, async () => {
    for (const [round, timing] of timings.entries()) await race(timing, round);
  }, 60_000);
});
