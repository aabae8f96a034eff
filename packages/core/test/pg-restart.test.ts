import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type InvocationInput, openStore, type PgStore, StoreConnectionError } from '@skill-metrics/core';
import { freePort } from '@skill-metrics/core/testing/process';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * A PostgreSQL server of the test's own (initdb into a temporary folder, on a free port), so that it
 * can be restarted and stopped under the store without touching the shared one.
 */
const VERSIONS = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort() : [];
const BIN = VERSIONS.length > 0 ? `/usr/lib/postgresql/${VERSIONS.at(-1)}/bin` : null;
const asRoot = process.getuid?.() === 0;
const canRun = BIN !== null && existsSync(`${BIN}/initdb`) && (!asRoot || existsSync('/usr/sbin/runuser'));
if (!canRun) console.log('server restart tests skipped: no PostgreSQL server binaries (initdb, pg_ctl) here');

/** Runs a server binary; as root, as the postgres user (the server refuses to run as root). */
function pgBin(name: string, args: string[]): void {
  const [command, argv] = asRoot
    ? ['/usr/sbin/runuser', ['-u', 'postgres', '--', `${BIN}/${name}`, ...args]]
    : [`${BIN}/${name}`, args];
  execFileSync(command as string, argv as string[], { stdio: 'pipe' });
}

const invocation = (i: number): InvocationInput => ({
  id: `restart-${i}`,
  skillName: 'restart',
  invokedAt: new Date(Date.UTC(2026, 10, 1) + i * 1_000).toISOString(),
  workflowPath: null,
  completed: true,
  durationSeconds: (i % 40) / 10,
  errorType: null,
  followUpActions: [],
  sessionId: null,
  projectPath: null,
  userContext: null,
});

/** `work`'s result, or the error it rejected with. */
const settled = <T>(work: Promise<T>) =>
  work.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );

describe.runIf(canRun)('PgStore across a server restart', () => {
  const dir = canRun ? mkdtempSync(join(tmpdir(), 'skill-metrics-pg-restart-')) : '';
  const data = join(dir, 'data');
  let port = 0;
  const ctl = (...args: string[]) =>
    pgBin('pg_ctl', [
      '-D',
      data,
      '-w',
      '-l',
      join(dir, 'log'),
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`,
      ...args,
    ]);
  afterAll(() => {
    try {
      ctl('-m', 'immediate', 'stop');
    } catch {
      // stopped already
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('a restart and a crash under the store: typed, retryable errors, each chunk whole or absent, and the next call reconnects', async () => {
    if (asRoot) execFileSync('chown', ['postgres:postgres', dir]);
    pgBin('initdb', ['-D', data, '--auth=trust', '-U', 'postgres']);
    port = await freePort();
    ctl('start');
    const store = (await openStore({
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      schema: 'restart',
      importChunkSize: 500,
    })) as PgStore;
    try {
      await store.recordInvocations(Array.from({ length: 100 }, (_, i) => invocation(i)));

      // A restart between calls: the next call is answered, or rejects typed and retryable; the one after is answered.
      ctl('-m', 'fast', 'restart');
      const first = await settled(store.getSkillMetrics('restart'));
      if ('error' in first) {
        expect(first.error).toBeInstanceOf(StoreConnectionError);
        expect((first.error as StoreConnectionError).retryable).toBe(true);
      }
      expect((await store.getSkillMetrics('restart'))?.totalInvocations).toBe(100);

      // The server gone: every call rejects typed and retryable.
      ctl('-m', 'fast', 'stop');
      const down = await settled(store.recordInvocation(invocation(100)));
      expect('error' in down && down.error).toBeInstanceOf(StoreConnectionError);
      expect((down as { error: StoreConnectionError }).error.retryable).toBe(true);
      ctl('start');

      // A crash (immediate stop) in the middle of an import of many chunks.
      const many = Array.from({ length: 20_000 }, (_, i) => invocation(i));
      const importing = settled(store.recordInvocations(many));
      while ((await store.countInvocations()) <= 100) await new Promise((resolve) => setTimeout(resolve, 2));
      ctl('-m', 'immediate', 'stop');
      const crashed = await importing;
      expect('error' in crashed && crashed.error).toBeInstanceOf(StoreConnectionError);
      ctl('start');
      // What survived the crash is whole chunks (the first 100 were in, so chunk k ends at 500·k),
      // every figure with them.
      let stored = -1;
      for (let attempt = 0; stored < 0 && attempt < 50; attempt++) {
        stored = await store.countInvocations().catch(() => -1);
      }
      expect(stored % 500).toBe(0);
      expect((await store.getSkillMetrics('restart'))?.totalInvocations).toBe(stored);
      // Run again, the import ends as one uninterrupted run would.
      await store.recordInvocations(many);
      const m = await store.getSkillMetrics('restart');
      expect(m?.totalInvocations).toBe(20_000);
      expect(m?.totalDurationSeconds).toBeCloseTo(
        many.reduce((sum, inv) => sum + (inv.durationSeconds ?? 0), 0),
        6,
      );
    } finally {
      await store.close();
    }
  }, 120_000);
});
