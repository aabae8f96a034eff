import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openStore } from '@skill-metrics/core';
import { startWorker } from '@skill-metrics/core/testing/process';
import {
  type DualStore,
  FLAG_FILE_ENV,
  GUARDRAIL_KEY,
  type GuardrailOptions,
  MISMATCH_NOTE,
  OWED_NOTE,
  openDualStore,
  type StorageMode,
  StorageModeProvider,
} from '@skill-metrics/dual';
import { openLegacyStore } from '@skill-metrics/json-legacy';
import { main } from '@skill-metrics/migrate';
import { describe, expect, it } from 'vitest';
import { writeLegacyFile } from './legacy-fixture.js';

const READER = new URL('./workers/flag-reader.ts', import.meta.url);
const root = mkdtempSync(join(tmpdir(), 'skill-metrics-rollout-'));
let cases = 0;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Past the margin by which a check must follow a change of the flag file to count as after it. */
const pastTheMargin = () => sleep(40);

interface Place {
  dir: string;
  legacy: string;
  db: string;
  flag: string;
}

/** A fresh folder: a legacy file of 120 invocations in its own folder, backfilled into a database. */
async function backfilled(): Promise<Place> {
  const dir = join(root, `case-${cases++}`);
  mkdirSync(join(dir, 'legacy'), { recursive: true });
  const place = {
    dir,
    legacy: join(dir, 'legacy', 'skill_metrics.json'),
    db: join(dir, 'm.db'),
    flag: join(dir, 'mode.json'),
  };
  writeLegacyFile(place.legacy, 120);
  const r = await run(['backfill', place.legacy, '--db', place.db, '--tz', 'UTC']);
  expect(r.code, r.text).toBe(0);
  return place;
}

/** Runs the CLI in this process; resolves with its exit code and what it printed. */
async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n'), text: [...out, ...err].join('\n') };
}

const rollout = (p: Place, ...args: string[]) => run(['rollout', ...args, '--flag-file', p.flag, '--db', p.db]);
const check = (p: Place) => run(['check', p.legacy, '--db', p.db, '--tz', 'UTC']);

async function statusJson(p: Place) {
  const r = await rollout(p, 'status', '--json');
  expect(r.code, r.text).toBe(0);
  return JSON.parse(r.out);
}

/** Why `rollout status` says an advance would be refused now: one line per condition not met. */
async function blockers(p: Place): Promise<string[]> {
  return (await statusJson(p)).advance.blockers;
}

const shares = (given: Partial<Record<StorageMode, number>>) => {
  const all = { legacy: 0, 'dual-write': 0, verify: 0, 'db-primary': 0, db: 0, ...given };
  all.legacy = 100 - all['dual-write'] - all.verify - all['db-primary'] - all.db;
  return all;
};
const fileShares = (p: Place) => JSON.parse(readFileSync(p.flag, 'utf8'));

/** The flag file's bytes and times, to show a refused command left it alone. */
function snapshot(path: string) {
  if (!existsSync(path)) return null;
  const s = statSync(path);
  return { bytes: readFileSync(path, 'utf8'), ino: s.ino, mtimeMs: s.mtimeMs };
}

/**
 * A dual store in `mode` over the place's stores whose JSON side cannot be written: its folder is
 * moved away and a plain file put where it was, so every write to the file fails as a full or
 * read-only disk would. `restore()` puts the folder back.
 */
async function withUnwritableLegacy(p: Place, mode: StorageMode, guardrail?: GuardrailOptions) {
  const logger = { warn: () => undefined, error: () => undefined };
  const dual: DualStore = await openDualStore({
    legacy: await openLegacyStore({ path: p.legacy, timeZone: 'UTC' }),
    db: await openStore({ path: p.db }),
    flag: mode,
    logger,
    onError: () => undefined,
    ...(guardrail ? { guardrail } : {}),
  });
  const folder = join(p.dir, 'legacy');
  renameSync(folder, `${folder}.away`);
  writeFileSync(folder, 'a file where the folder was');
  return {
    dual,
    restore() {
      rmSync(folder);
      renameSync(`${folder}.away`, folder);
    },
  };
}

describe('skill-metrics rollout set and status', () => {
  it('writes the shares given, legacy taking the rest, and status reads back what the provider reads', async () => {
    const p = await backfilled();
    const set = await rollout(p, 'set', 'verify=90', 'db-primary=10');
    expect(set.code, set.text).toBe(0);
    expect(set.out).toContain('verify 90 %, db-primary 10 %');
    expect(fileShares(p)).toEqual({ verify: 90, 'db-primary': 10 });
    const provider = new StorageModeProvider({ env: { [FLAG_FILE_ENV]: p.flag } });
    expect(provider.config()).toEqual({ kind: 'shares', shares: shares({ verify: 90, 'db-primary': 10 }) });

    const status = await statusJson(p);
    expect(status.flagFile).toMatchObject({ path: p.flag, from: '--flag-file', exists: true });
    expect(status.shares).toEqual(shares({ verify: 90, 'db-primary': 10 }));
    expect(status.next).toMatchObject({ from: 'verify', to: 'db-primary', percent: 90 });
    expect(status.evidence.database).toBe(p.db);

    expect((await rollout(p, 'set', 'dual-write=30')).code).toBe(0);
    expect(fileShares(p)).toEqual({ legacy: 70, 'dual-write': 30 });
    const text = await rollout(p);
    expect(text.code, text.text).toBe(0);
    expect(text.out).toContain(`flag file:   ${p.flag} (--flag-file)`);
    expect(text.out).toContain('shares:      legacy 70 %, dual-write 30 %');
    expect(text.out).toContain('next step:   advance moves 70 % from legacy to dual-write');
    expect(text.out).toContain('last check:  none saved');
    expect(text.out).toMatch(/advance: +refused now, because\n {2}- no check is saved/);
  });

  it('finds the flag file in $SKILL_METRICS_FLAG_FILE, else at the default path, and says which', async () => {
    const p = await backfilled();
    const before = process.env[FLAG_FILE_ENV];
    try {
      process.env[FLAG_FILE_ENV] = p.flag;
      expect((await run(['rollout', 'set', 'db=100', '--db', p.db])).code).toBe(0);
      expect(fileShares(p)).toEqual({ db: 100 });
      const fromEnv = JSON.parse((await run(['rollout', '--json', '--db', p.db])).out);
      expect(fromEnv.flagFile).toMatchObject({ path: p.flag, from: `$${FLAG_FILE_ENV}` });
      expect(fromEnv.next).toBeNull();
      delete process.env[FLAG_FILE_ENV];
      const byDefault = JSON.parse((await run(['rollout', 'status', '--json', '--db', p.db])).out);
      expect(byDefault.flagFile.path).toBe(resolve('.session-buddy/storage-mode.json'));
      expect(byDefault.flagFile.from).toMatch(/^the default/);
    } finally {
      if (before === undefined) delete process.env[FLAG_FILE_ENV];
      else process.env[FLAG_FILE_ENV] = before;
    }
  });

  it('refuses bad shares with exit 2, saying what is wrong, and leaves the file as it was', async () => {
    const p = await backfilled();
    expect((await rollout(p, 'set', 'verify=40')).code).toBe(0);
    const before = snapshot(p.flag);
    const bad: Array<[string[], string]> = [
      [['set'], 'needs MODE=PCT arguments'],
      [['set', 'verify'], '"verify" is not MODE=PCT'],
      [['set', 'dbprimary=10'], 'unknown mode "dbprimary"'],
      [['set', 'verify=10.5'], 'the share of verify must be a whole percentage 0–100, got "10.5"'],
      [['set', 'verify=-1'], 'got "-1"'],
      [['set', 'verify=ten'], 'got "ten"'],
      [['set', 'verify=101'], 'got "101"'],
      [['set', 'verify=60', 'db=50'], 'the shares add up to 110 %, more than 100'],
      [['set', 'verify=10', 'verify=20'], 'verify is given twice'],
      [['forward'], 'rollout "forward": not one of status, set, advance, back'],
      [['advance', 'now'], 'rollout advance takes no argument'],
      [['advance', '--step', '0'], '--step must be 1–100'],
      [['advance', '--step', 'half'], '--step must be a whole number'],
      [['status', '--max-mismatch-rate', '2'], '--max-mismatch-rate must be a fraction 0–1'],
    ];
    for (const [args, said] of bad) {
      const r = await rollout(p, ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err.split('\n')[0], args.join(' ')).toContain(said);
      expect(snapshot(p.flag), args.join(' ')).toEqual(before);
    }
    expect(readdirSync(p.dir).filter((name) => name.includes('.tmp-'))).toEqual([]);
  });

  it('refuses a flag file that holds no shares, and a database that is not there, with exit 2', async () => {
    const p = await backfilled();
    const files: Array<[string, string]> = [
      ['{"verify": 9', 'is not JSON'],
      ['{"verify": 90, "db": 20}', 'the shares add up to 110 %'],
      ['["verify"]', 'must be an object'],
      ['{"fast": 10}', 'unknown mode "fast"'],
    ];
    for (const [text, said] of files) {
      writeFileSync(p.flag, text);
      for (const action of ['status', 'advance', 'back']) {
        const r = await rollout(p, action);
        expect(r.code, `${action} on ${text}`).toBe(2);
        // One line that names the file, without the usage text.
        expect(r.err.split('\n')).toHaveLength(1);
        expect(r.err.startsWith(`skill-metrics: flag file ${p.flag}: `)).toBe(true);
        expect(r.err, `${action} on ${text}`).toContain(said);
        expect(readFileSync(p.flag, 'utf8')).toBe(text);
      }
    }
    rmSync(p.flag);
    const missing = await run(['rollout', 'advance', '--flag-file', p.flag, '--db', join(p.dir, 'none.db')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toBe(`skill-metrics: no database at ${join(p.dir, 'none.db')}`);
    expect(existsSync(p.flag)).toBe(false);
    // Nor does check, which keeps its summary in the database, make one.
    const checked = await run(['check', p.legacy, '--db', join(p.dir, 'none.db')]);
    expect(checked.code).toBe(2);
    expect(existsSync(join(p.dir, 'none.db'))).toBe(false);
  });
});

describe('skill-metrics rollout advance', () => {
  it('moves share one stage forward only after an ok check begun after the last change of the flag file', async () => {
    const p = await backfilled();
    const none = await rollout(p, 'advance');
    expect(none.code).toBe(1);
    expect(none.err).toContain('refused');
    expect(none.err).toContain(`no check is saved in ${p.db}: run skill-metrics check <legacy.json> first`);
    expect(existsSync(p.flag)).toBe(false);

    expect((await check(p)).code).toBe(0);
    const first = await rollout(p, 'advance');
    expect(first.code, first.text).toBe(0);
    expect(first.out).toContain('moved 100 % from legacy to dual-write');
    expect(fileShares(p)).toEqual({ 'dual-write': 100 });

    // The check was of the shares before: the change used it up.
    const again = await rollout(p, 'advance');
    expect(again.code).toBe(1);
    expect(again.err).toMatch(
      /the last check \(.+\) began before the flag file last changed \(.+\): run skill-metrics check again/,
    );
    expect(fileShares(p)).toEqual({ 'dual-write': 100 });

    await pastTheMargin();
    expect((await check(p)).code).toBe(0);
    expect(await blockers(p)).toEqual([]);
    const part = await rollout(p, 'advance', '--step', '40');
    expect(part.code, part.text).toBe(0);
    expect(part.out).toContain('moved 40 % from dual-write to verify');
    expect(fileShares(p)).toEqual({ 'dual-write': 60, verify: 40 });

    // A change of the file after the check, even to the same shares, invalidates it.
    await pastTheMargin();
    expect((await check(p)).code).toBe(0);
    expect(await blockers(p)).toEqual([]);
    expect((await rollout(p, 'set', 'dual-write=60', 'verify=40')).code).toBe(0);
    const stale = await blockers(p);
    expect(stale).toHaveLength(1);
    expect(stale[0]).toMatch(/began before the flag file last changed/);
    const refused = snapshot(p.flag);
    expect((await rollout(p, 'advance')).code).toBe(1);
    expect(snapshot(p.flag)).toEqual(refused);

    // Without --step, all of the least advanced stage moves: dual-write's 60 joins verify.
    await pastTheMargin();
    expect((await check(p)).code).toBe(0);
    expect((await rollout(p, 'advance')).code).toBe(0);
    expect(fileShares(p)).toEqual({ verify: 100 });
    for (const next of [{ 'db-primary': 100 }, { db: 100 }]) {
      await pastTheMargin();
      expect((await check(p)).code).toBe(0);
      expect((await rollout(p, 'advance')).code).toBe(0);
      expect(fileShares(p)).toEqual(next);
    }
    await pastTheMargin();
    expect((await check(p)).code).toBe(0);
    const done = await rollout(p, 'advance');
    expect(done.code).toBe(0);
    expect(done.out).toContain('nothing to advance');
    expect(fileShares(p)).toEqual({ db: 100 });
  });

  it('is refused after a failing check, and allowed once repaired and checked again', async () => {
    const p = await backfilled();
    expect((await rollout(p, 'set', 'dual-write=100')).code).toBe(0);
    // An invocation only the database has: the check finds the file missing it.
    const db = await openStore({ path: p.db });
    await db.track('db-only', () => 1);
    await db.close();
    await pastTheMargin();
    const failing = await check(p);
    expect(failing.code).toBe(1);
    const status = await statusJson(p);
    expect(status.evidence.check).toMatchObject({ ok: false, legacyFile: p.legacy, afterFlagChange: true });
    expect(status.evidence.check.counts['missing-left']).toBeGreaterThan(0);
    const refused = await rollout(p, 'advance');
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/the last check \(.+\) found differences: .*missing-left/);
    expect(fileShares(p)).toEqual({ 'dual-write': 100 });

    expect((await run(['repair', p.legacy, '--db', p.db, '--tz', 'UTC'])).code).toBe(0);
    expect((await check(p)).code).toBe(0);
    expect(await blockers(p)).toEqual([]);
    expect((await rollout(p, 'advance')).code).toBe(0);
    expect(fileShares(p)).toEqual({ verify: 100 });
  });

  it('is refused with mismatches found since the check, unless under --max-mismatch-rate', async () => {
    const p = await backfilled();
    expect((await rollout(p, 'set', 'verify=100')).code).toBe(0);
    await pastTheMargin();
    expect((await check(p)).code).toBe(0);
    // Since the check: four invocations written through a verifying store, one the database alone
    // has, and a read the two stores answer differently.
    const dual = await openDualStore({
      legacy: await openLegacyStore({ path: p.legacy, timeZone: 'UTC' }),
      db: await openStore({ path: p.db }),
      flag: 'verify',
      verify: { sampleRate: 1, retryDelayMs: 1 },
      logger: { warn: () => undefined, error: () => undefined },
    });
    for (let i = 0; i < 4; i++) await dual.track('since-check', () => i);
    await (dual.db as Awaited<ReturnType<typeof openStore>>).track('skill-0', () => 1);
    await dual.getSkillMetrics('skill-0');
    await dual.close();

    const status = await statusJson(p);
    expect(status.evidence.mismatches).toMatchObject({ sinceCheck: 1, comparingInvocations: 5, rate: 0.2 });
    expect(status.evidence.mismatches.total).toBe(1);
    const refused = await rollout(p, 'advance');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('1 mismatch(es) recorded since the last check began (rate 20 %)');
    const above = await rollout(p, 'advance', '--max-mismatch-rate', '0.1');
    expect(above.code).toBe(1);
    expect(above.err).toContain('rate 20 %, above --max-mismatch-rate 0.1');
    expect(fileShares(p)).toEqual({ verify: 100 });
    const under = await rollout(p, 'advance', '--max-mismatch-rate', '0.25');
    expect(under.code, under.text).toBe(0);
    expect(fileShares(p)).toEqual({ 'db-primary': 100 });

    // A check after them starts the count again.
    await pastTheMargin();
    await run(['repair', p.legacy, '--db', p.db, '--tz', 'UTC']);
    expect((await check(p)).code).toBe(0);
    expect((await statusJson(p)).evidence.mismatches).toMatchObject({ total: 1, sinceCheck: 0 });
  });

  it('is refused while the guardrail holds', async () => {
    const p = await backfilled();
    expect((await rollout(p, 'set', 'db-primary=100')).code).toBe(0);
    const broken = await withUnwritableLegacy(p, 'db-primary', { minEvents: 2 });
    for (let i = 0; i < 3; i++) await broken.dual.track('while-broken', () => i);
    await broken.dual.close();
    broken.restore();
    expect((await run(['repair', p.legacy, '--db', p.db, '--tz', 'UTC'])).code).toBe(0);
    await pastTheMargin();
    expect((await check(p)).code).toBe(0);
    const held = await blockers(p);
    expect(held).toHaveLength(1);
    expect(held[0]).toMatch(
      /^the guardrail is holding the rollout back since .+: secondary-error-rate 100 % over \d+ events, above 5 % \(skill-metrics rollout release lifts it once the cause is fixed\)$/,
    );
    expect((await rollout(p, 'advance')).code).toBe(1);
    expect(fileShares(p)).toEqual({ 'db-primary': 100 });
    const released = await rollout(p, 'release');
    expect(released.code).toBe(0);
    expect(released.out).toMatch(/^released the guardrail's hold \(secondary-error-rate 100 % since /);
    const db = await openStore({ path: p.db });
    expect(await db.notes.getState(GUARDRAIL_KEY)).toBeNull();
    await db.close();
    expect((await rollout(p, 'release')).out).toMatch(/^the guardrail holds nothing back in /);
    expect((await rollout(p, 'advance')).code).toBe(0);
    expect(fileShares(p)).toEqual({ db: 100 });
  });
});

describe('skill-metrics rollout with writes owed', () => {
  it('refuses advance and back while the JSON file is owed writes; back works once repaired', async () => {
    const p = await backfilled();
    expect((await rollout(p, 'set', 'db-primary=100')).code).toBe(0);
    await pastTheMargin();
    expect((await check(p)).code).toBe(0);
    const broken = await withUnwritableLegacy(p, 'db-primary');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const h = await broken.dual.trackInvocation('while-broken');
      await h.complete();
      ids.push(h.invocationId);
    }
    await broken.dual.close();
    broken.restore();
    const db = await openStore({ path: p.db });
    const owedNotes = await db.notes.count(OWED_NOTE);
    expect(await db.notes.count(MISMATCH_NOTE)).toBe(0);
    await db.close();
    expect(owedNotes).toBeGreaterThanOrEqual(3);
    expect((await statusJson(p)).evidence.owed).toEqual({ legacy: owedNotes, db: 0 });

    const advance = await rollout(p, 'advance');
    expect(advance.code).toBe(1);
    expect(advance.err).toContain(`${owedNotes} write(s) owed to the JSON file: run skill-metrics repair first`);
    const before = snapshot(p.flag);
    const back = await rollout(p, 'back');
    expect(back.code).toBe(1);
    expect(back.err).toContain('rollout back (100 % from db-primary to verify) refused');
    expect(back.err).toContain('Run skill-metrics repair first.');
    expect(snapshot(p.flag)).toEqual(before);

    const repair = await run(['repair', p.legacy, '--db', p.db, '--tz', 'UTC']);
    expect(repair.code, repair.text).toBe(0);
    expect((await statusJson(p)).evidence.owed).toEqual({ legacy: 0, db: 0 });
    const stepped = await rollout(p, 'back');
    expect(stepped.code, stepped.text).toBe(0);
    expect(stepped.out).toContain('moved 100 % from db-primary to verify');
    expect(fileShares(p)).toEqual({ verify: 100 });
    // Nothing was lost: the file, now serving reads, holds what was written while it was broken.
    const file = await openLegacyStore({ path: p.legacy, timeZone: 'UTC' });
    expect((await file.getInvocations(ids)).map((inv) => inv?.status)).toEqual(['completed', 'completed', 'completed']);
    await file.close();
  });

  it('steps back the most advanced share only, and at all legacy does nothing', async () => {
    const p = await backfilled();
    const none = await rollout(p, 'back');
    expect(none.code).toBe(0);
    expect(none.out).toContain('nothing to step back');
    expect(existsSync(p.flag)).toBe(false);
    expect((await rollout(p, 'set', 'verify=50', 'db=30')).code).toBe(0);
    const back = await rollout(p, 'back');
    expect(back.code, back.text).toBe(0);
    expect(back.out).toContain('moved 30 % from db to db-primary');
    expect(back.out).toContain('run skill-metrics repair before stepping back again');
    expect(fileShares(p)).toEqual({ legacy: 20, verify: 50, 'db-primary': 30 });
    expect((await rollout(p, 'back')).code).toBe(0);
    expect(fileShares(p)).toEqual({ legacy: 20, verify: 80 });
  });
});

describe('the flag file while set rewrites it', () => {
  it('is never seen torn by a storage-mode provider polling it in another process', async () => {
    const p = await backfilled();
    const written = [
      { verify: 90, 'db-primary': 10 },
      { 'dual-write': 25, verify: 50, 'db-primary': 25 },
      { legacy: 1, 'dual-write': 2, verify: 3, 'db-primary': 4, db: 5 },
      { 'dual-write': 100 },
    ];
    const args = (s: Record<string, number>) => Object.entries(s).map(([m, n]) => `${m}=${n}`);
    expect((await rollout(p, 'set', ...args(written[0] as Record<string, number>))).code).toBe(0);
    const reader = startWorker(READER, [p.flag]);
    await reader.printed('ready');
    reader.go();
    for (let i = 1; i < 100; i++) {
      const r = await rollout(p, 'set', ...args(written[i % written.length] as Record<string, number>));
      expect(r.code, r.text).toBe(0);
    }
    expect((await rollout(p, 'set', 'db=100')).code).toBe(0);
    const line = (await reader.done).at(-1);
    const { reads, seen, errors } = JSON.parse(line as string) as { reads: number; seen: string[]; errors: string[] };
    expect(errors).toEqual([]);
    const allowed = [...written, { db: 100 }].map((s) => ({ kind: 'shares', shares: shares(s) }));
    for (const config of seen) expect(allowed).toContainEqual(JSON.parse(config));
    // It read all through the writes, and saw them change.
    expect(seen.length).toBeGreaterThan(2);
    expect(reads).toBeGreaterThan(100);
    expect(readdirSync(p.dir).filter((name) => name.includes('.tmp-'))).toEqual([]);
  }, 60_000);
});
