import { writeFileSync } from 'node:fs';
import { listAll } from '@skill-metrics/core/testing';
import { startWorker, wholeLines } from '@skill-metrics/core/testing/process';
import { STORAGE_MODES } from '@skill-metrics/dual';
import { describe, expect, it } from 'vitest';
import { freshPaths, openDual } from './stores.js';

const WRITER = new URL('./workers/dual-writer.ts', import.meta.url);
const ROUNDS = 30;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a dual writer killed with SIGKILL at random points', () => {
  // The five modes run side by side, each in its own pair of files.
  for (const mode of STORAGE_MODES) {
    it.concurrent(`${mode}: after each of ${ROUNDS} kills and a repair, both stores hold every invocation whose call resolved, alike`, async () => {
      const paths = freshPaths();
      const log = `${paths.legacy}.log`;
      writeFileSync(log, '');
      for (let round = 0; round < ROUNDS; round++) {
        const writer = startWorker(WRITER, [paths.legacy, paths.db, mode, log]);
        await writer.printed('ready');
        writer.go();
        await writer.printed('writing');
        await sleep(Math.random() * 60);
        writer.child.kill('SIGKILL');
        await writer.done.catch(() => undefined);

        // A writer killed while it held the file's lock leaves it to go stale (after 2 s here).
        const store = await openDual(paths, { mode, lockStaleMs: 2000 });
        await store.repair();
        const lines = wholeLines(log);
        const started = lines.filter((l) => l.startsWith('started ')).map((l) => l.slice(8));
        const done = new Set(lines.filter((l) => l.startsWith('done ')).map((l) => l.slice(5)));
        const inLegacy = await listAll(store.legacy);
        const inDb = await listAll(store.db);
        // What both stores hold is the same, invocation for invocation.
        expect(inLegacy).toEqual(inDb);
        const held = new Map(inDb.map((i) => [i.id, i]));
        for (const id of started) expect(held.has(id), `${mode}, round ${round}: started ${id}`).toBe(true);
        for (const id of done) expect(held.get(id)?.status, `${mode}, round ${round}: done ${id}`).not.toBe('pending');
        // A second repair finds nothing to do.
        const again = await store.repair();
        expect([again.copied, again.completed, again.conflicts]).toEqual([
          { legacy: 0, db: 0 },
          { legacy: 0, db: 0 },
          [],
        ]);
        await store.close();
      }
      expect(wholeLines(log).filter((l) => l.startsWith('done ')).length).toBeGreaterThan(ROUNDS);
    }, 240_000);
  }
});
