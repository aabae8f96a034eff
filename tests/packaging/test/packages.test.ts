import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The packages as a user gets them: each packed as `pnpm pack` packs it for the registry, checked by
 * publint and @arethetypeswrong/cli, then installed with npm into fresh projects outside the
 * workspace, imported, type-checked under `nodenext`, and the CLI run from its installed bin.
 */
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const BIN = join(ROOT, 'node_modules', '.bin');
const PACKAGES = [
  { dir: 'packages/core', name: '@skill-metrics/core' },
  { dir: 'packages/json-legacy', name: '@skill-metrics/json-legacy' },
  { dir: 'packages/dual', name: '@skill-metrics/dual' },
  { dir: 'tools/migrate', name: '@skill-metrics/migrate' },
];
const work = mkdtempSync(join(tmpdir(), 'skill-metrics-packaging-'));
const packs = join(work, 'packs');
const tarballs = new Map<string, string>();

/** How long any one command may take: a stuck install fails the test instead of hanging the run. */
const COMMAND_TIMEOUT_MS = 300_000;
/** What the projects install beside the tarballs, at the versions the workspace's lockfile has. */
const FROM_REGISTRY = ['better-sqlite3@12.11.1', 'typescript@5.9.3', '@types/node@20.19.43', 'tsx@4.23.15'];

/** pnpm as this run was started with it (`npx pnpm@…` puts no pnpm on the PATH), else the PATH's. */
function pnpm(args: string[], cwd: string): string {
  const own = process.env.npm_execpath;
  const [command, argv] = own?.includes('pnpm') ? [process.execPath, [own, ...args]] : ['pnpm', args];
  return execFileSync(command as string, argv as string[], {
    cwd,
    encoding: 'utf8',
    stdio: 'pipe',
    timeout: COMMAND_TIMEOUT_MS,
  });
}

/** Runs a command: its exit code, what it wrote to stdout, and everything it printed (for messages). */
function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: COMMAND_TIMEOUT_MS,
  });
  const out = r.error ? String(r.error) : `${r.stdout}${r.stderr}`;
  return { code: r.status, stdout: r.stdout ?? '', out };
}

/** A fresh npm project in `name` with `dependencies` installed (tarballs or registry specs). */
function project(name: string, dependencies: string[]): string {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
  const npm = run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...dependencies], dir);
  expect(npm.code, npm.out).toBe(0);
  return dir;
}

const script = (dir: string, file: string, text: string) => {
  writeFileSync(join(dir, file), text);
  return run(process.execPath, [file], dir);
};

afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(() => {
  execFileSync(join(BIN, 'turbo'), ['run', 'build', '--output-logs=errors-only'], {
    cwd: ROOT,
    stdio: 'pipe',
    timeout: COMMAND_TIMEOUT_MS,
  });
  mkdirSync(packs);
  for (const p of PACKAGES) {
    pnpm(['pack', '--pack-destination', packs], join(ROOT, p.dir));
    const file = readdirSync(packs).find((f) => f.startsWith(p.name.replace('@', '').replace('/', '-')));
    if (file === undefined) throw new Error(`pnpm pack left no tarball of ${p.name} in ${packs}`);
    tarballs.set(p.name, join(packs, file));
  }
});

describe('each package as packed', () => {
  it.each(PACKAGES)('$name passes publint (strict)', ({ name }) => {
    const r = run(join(BIN, 'publint'), ['run', tarballs.get(name) as string, '--strict'], work);
    expect(r, r.out).toMatchObject({ code: 0 });
    expect(r.out).toContain('All good!');
  });

  it.each(PACKAGES)('$name passes @arethetypeswrong/cli for ESM consumers', ({ name }) => {
    const r = run(
      join(BIN, 'attw'),
      [tarballs.get(name) as string, '--profile', 'esm-only', '--format', 'ascii'],
      work,
    );
    // Exit 0: no problem for ESM consumers (node16 and bundler); CommonJS and node10 are not supported.
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain("(ignoring resolutions: 'node10', 'node16-cjs')");
  });

  it('ships its build, types and (core) migrations, and names workspace packages by version', () => {
    for (const p of PACKAGES) {
      const listing = execFileSync('tar', ['-tzf', tarballs.get(p.name) as string], { encoding: 'utf8' });
      expect(listing, p.name).toMatch(/package\/dist\/index\.js/);
      expect(listing, p.name).toMatch(/package\/dist\/index\.d\.ts/);
      expect(listing, p.name).not.toMatch(/package\/(src|test)\//);
      const manifest = execFileSync('tar', ['-xzOf', tarballs.get(p.name) as string, 'package/package.json'], {
        encoding: 'utf8',
      });
      expect(manifest, p.name).not.toContain('workspace:');
    }
    expect(execFileSync('tar', ['-tzf', tarballs.get('@skill-metrics/core') as string], { encoding: 'utf8' })).toMatch(
      /package\/drizzle\/sqlite\/0000_initial_schema\.sql/,
    );
  });
});

describe('installed with npm outside the workspace', () => {
  it('json-legacy alone installs with no native build and keeps a file', () => {
    const dir = project('legacy-only', [
      tarballs.get('@skill-metrics/core'),
      tarballs.get('@skill-metrics/json-legacy'),
    ] as string[]);
    expect(existsSync(join(dir, 'node_modules', 'better-sqlite3'))).toBe(false);
    const built = run('find', ['node_modules', '-name', '*.node'], dir);
    expect(built.out.trim()).toBe('');
    const r = script(
      dir,
      'legacy.mjs',
      `import { openLegacyStore } from '@skill-metrics/json-legacy';
const store = await openLegacyStore({ path: 'metrics/skill_metrics.json', timeZone: 'UTC' });
await store.track('lint', () => 'ok');
const run = await store.trackInvocation('test');
await run.complete({ completed: false, errorType: 'AssertionError' });
const m = await store.getSummary();
await store.close();
console.log(JSON.stringify(m));`,
    );
    expect(r.code, r.out).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ totalSkills: 2, totalInvocations: 2, overallCompletionRate: 50 });
  });

  describe('every package together', () => {
    let dir = '';
    beforeAll(() => {
      dir = project('full', [...tarballs.values(), ...FROM_REGISTRY]);
    });

    it('core alone: a SQLite store tracks and reads back', () => {
      const r = script(
        dir,
        'core.mjs',
        `import { openStore } from '@skill-metrics/core';
const store = await openStore({ path: 'core.db' });
await store.track('build', async () => 42, { sessionId: 's1' });
const m = await store.getSkillMetrics('build');
console.log(JSON.stringify({ completed: m.completedInvocations, session: await store.getSessionSkills('s1') }));
await store.close();`,
      );
      expect(r.code, r.out).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({
        completed: 1,
        session: [{ skillName: 'build', invocationCount: 1 }],
      });
    });

    it('dual with both stores: a write lands on both sides', () => {
      const r = script(
        dir,
        'dual.mjs',
        `import { openStore } from '@skill-metrics/core';
import { openDualStore } from '@skill-metrics/dual';
import { openLegacyStore } from '@skill-metrics/json-legacy';
const legacy = await openLegacyStore({ path: 'dual.json', timeZone: 'UTC' });
const db = await openStore({ path: 'dual.db' });
const store = await openDualStore({ legacy, db, flag: 'dual-write' });
await store.track('deploy', () => true);
await store.flush();
console.log(JSON.stringify({
  legacy: (await legacy.getSkillMetrics('deploy'))?.totalInvocations,
  db: (await db.getSkillMetrics('deploy'))?.totalInvocations,
}));
await store.close();`,
      );
      expect(r.code, r.out).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ legacy: 1, db: 1 });
    });

    it('type-checks a consumer under module and moduleResolution nodenext', () => {
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            module: 'nodenext',
            moduleResolution: 'nodenext',
            target: 'es2022',
            strict: true,
            noEmit: true,
            // As \`tsc --init\` sets it: drizzle-orm's own declarations name drivers no one installs all of.
            skipLibCheck: true,
            types: ['node'],
          },
          include: ['consumer.ts'],
        }),
      );
      writeFileSync(
        join(dir, 'consumer.ts'),
        `import { type AnalyticsStore, type SkillMetrics, openStore, StoreBusyError } from '@skill-metrics/core';
import type { Invocation } from '@skill-metrics/core/contract';
import { openDualStore, type StorageMode } from '@skill-metrics/dual';
import { openLegacyStore } from '@skill-metrics/json-legacy';
import { main } from '@skill-metrics/migrate';

const store: AnalyticsStore = await openStore({ path: 'typed.db' });
const metrics: SkillMetrics | null = await store.getSkillMetrics('x');
const mode: StorageMode = 'verify';
const dual = await openDualStore({ legacy: await openLegacyStore(), db: await openStore(), flag: mode });
const first: Invocation | undefined = (await dual.getInvocations(['a']))[0] ?? undefined;
const code: number = await main(['--help'], { out: () => {}, err: () => {} });
const skills: number = (await store.getSummary()).totalSkills;
// The types are the packages' own, not \`any\`: each line below must fail to compile.
// @ts-expect-error: a skill name is a string
await store.trackInvocation(42);
// @ts-expect-error: totalSkills is a number
const wrong: string = (await store.getSummary()).totalSkills;
// @ts-expect-error: no such mode
await openDualStore({ legacy: await openLegacyStore(), db: await openStore(), flag: 'sideways' });
export { code, first, metrics, skills, StoreBusyError, wrong };
`,
      );
      const tsc = run(join(dir, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], dir);
      expect(tsc, tsc.out).toMatchObject({ code: 0, out: '' });
    });

    it.each(PACKAGES)("runs every example of $name's README, in order, in a fresh folder", ({ dir: pkg }) => {
      const readme = readFileSync(join(ROOT, pkg, 'README.md'), 'utf8');
      const examples = [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1] as string);
      expect(examples.length, `${pkg}/README.md has no example`).toBeGreaterThan(0);
      const folder = join(dir, 'examples', pkg.replace('/', '-'));
      mkdirSync(folder, { recursive: true });
      examples.forEach((example, i) => {
        const file = join(folder, `example-${i + 1}.ts`);
        writeFileSync(file, example);
        const r = run(join(dir, 'node_modules', '.bin', 'tsx'), [file], folder, { TZ: 'UTC' });
        expect(r.code, `${pkg}/README.md example ${i + 1}:\n${example}\n${r.out}`).toBe(0);
      });
    });

    it('runs the CLI from its installed bin: --help, and a backfill of a small file', () => {
      const help = run('npx', ['--no-install', 'skill-metrics', '--help'], dir);
      expect(help.code, help.out).toBe(0);
      expect(help.out).toMatch(/^Usage: skill-metrics <command>/);
      const fill = script(
        dir,
        'legacy-file.mjs',
        `import { openLegacyStore } from '@skill-metrics/json-legacy';
const store = await openLegacyStore({ path: 'old/skill_metrics.json', timeZone: 'UTC' });
for (let i = 0; i < 25; i++) await store.track(i % 2 ? 'lint' : 'test', () => i);
await store.close();`,
      );
      expect(fill.code, fill.out).toBe(0);
      const backfill = run(
        'npx',
        ['--no-install', 'skill-metrics', 'backfill', 'old/skill_metrics.json', '--db', 'new.db', '--tz', 'UTC'],
        dir,
      );
      expect(backfill.code, backfill.out).toBe(0);
      expect(backfill.out).toMatch(/inserted:\s+25\b/);
      expect(backfill.out).toMatch(/consistency: the file and the database agree/);
      expect(resolve(dir, 'new.db')).toSatisfy(existsSync);
    });
  });
});
