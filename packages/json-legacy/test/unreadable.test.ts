import { copyFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SkillMetricsError } from '@skill-metrics/core/contract';
import { testInvocation } from '@skill-metrics/core/testing';
import { LegacyFileError, openLegacyStore, readLegacyFile } from '@skill-metrics/json-legacy';
import { describe, expect, it } from 'vitest';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-legacy-unreadable-'));
let n = 0;

function place(content: string | Buffer): string {
  const path = join(dir, `f-${n++}.json`);
  writeFileSync(path, content);
  return path;
}

/** The file's bytes and times, to show that nothing touched it. */
function snapshot(path: string) {
  const s = statSync(path, { bigint: true });
  return { bytes: readFileSync(path), mtime: s.mtimeNs, ino: s.ino };
}

async function openError(path: string): Promise<LegacyFileError> {
  const error = await openLegacyStore({ path, timeZone: 'UTC' }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LegacyFileError);
  expect(error).toBeInstanceOf(SkillMetricsError);
  return error as LegacyFileError;
}

describe('a legacy file that cannot be read', () => {
  const cases: Array<
    [string, string | Buffer, { line: number; column: number; offset: number } | null, string | null, RegExp]
  > = [
    ['torn.json', readFileSync(join(FIXTURES, 'torn.json')), { line: 36, column: 19, offset: 912 }, null, /cut off/],
    [
      'not-an-object.json',
      readFileSync(join(FIXTURES, 'not-an-object.json')),
      { line: 1, column: 1, offset: 0 },
      null,
      /must be an object, got an array/,
    ],
    [
      'wrong-type.json',
      readFileSync(join(FIXTURES, 'wrong-type.json')),
      { line: 24, column: 5, offset: 613 },
      'invocations[2].skill_name',
      /must be a string, got number 5/,
    ],
    [
      'skills-wrong-type.json',
      readFileSync(join(FIXTURES, 'skills-wrong-type.json')),
      { line: 74, column: 13, offset: 1929 },
      'skills["pytest-runner"].total_invocations',
      /must be a number/,
    ],
    [
      'invalid-utf8.json',
      readFileSync(join(FIXTURES, 'invalid-utf8.json')),
      { line: 18, column: 27, offset: 443 },
      null,
      /UTF-8/,
    ],
    ['an empty file', '', { line: 1, column: 1, offset: 0 }, null, /empty/],
    ['a byte order mark', '\ufeff{"invocations": []}', { line: 1, column: 1, offset: 0 }, null, /byte order mark/],
    [
      'trailing data',
      '{"invocations": []}\n{}',
      { line: 2, column: 1, offset: 20 },
      null,
      /after the top-level object/,
    ],
    [
      'a trailing comma',
      '{\n  "invocations": [\n    {"skill_name": "a", "invoked_at": "2026-01-01T00:00:00"},\n  ]\n}',
      { line: 4, column: 3, offset: 85 },
      null,
      /trailing/,
    ],
    [
      'invocations not a list',
      '{"invocations": {"a": 1}}',
      { line: 1, column: 17, offset: 16 },
      'invocations',
      /must be a list, got an object/,
    ],
    [
      'an invocation not an object',
      '{"invocations": [{"skill_name": "a", "invoked_at": "2026-01-01T00:00:00"}, 7]}',
      { line: 1, column: 76, offset: 75 },
      'invocations[1]',
      /must be an object/,
    ],
    [
      'a time that is not one',
      '{"invocations": [{"skill_name": "a", "invoked_at": "2026-02-30T00:00:00"}]}',
      { line: 1, column: 18, offset: 17 },
      'invocations[0].invoked_at',
      /not an ISO-8601 time/,
    ],
    [
      'a bad escape',
      '{"invocations": [{"skill_name": "a\\x", "invoked_at": "2026-01-01T00:00:00"}]}',
      { line: 1, column: 35, offset: 34 },
      null,
      /bad escape/,
    ],
    [
      'skills not an object',
      '{"invocations": [], "skills": []}',
      { line: 1, column: 31, offset: 30 },
      'skills',
      /must be an object, got an array/,
    ],
    [
      'invocations twice',
      '{"invocations": [], "invocations": []}',
      { line: 1, column: 21, offset: 20 },
      null,
      /appears twice/,
    ],
  ];

  for (const [name, content, position, jsonPath, problem] of cases) {
    it(`${name}: a typed error naming the file and the place, and the file untouched`, async () => {
      const path = place(content);
      const before = snapshot(path);
      const error = await openError(path);
      expect(error.code).toBe('LEGACY_FILE');
      expect(error.path).toBe(path);
      expect(error.position).toEqual(position);
      expect(error.jsonPath).toBe(jsonPath);
      expect(error.problem).toMatch(problem);
      expect(error.message).toContain(path);
      if (position) expect(error.message).toContain(`:${position.line}:${position.column} (byte ${position.offset})`);
      expect(snapshot(path)).toEqual(before);
      // The streaming reader gives the same error.
      await expect(readLegacyFile(path, { timeZone: 'UTC' }).finish()).rejects.toMatchObject({
        position,
        jsonPath,
      });
    });
  }

  it('rejects the writes waiting on it with the typed error, never writes over it, and works once it is fixed', async () => {
    const path = join(dir, 'broken-later.json');
    copyFileSync(join(FIXTURES, 'tracker.json'), path);
    const store = await openLegacyStore({ path, timeZone: 'UTC' });
    const handle = await store.trackInvocation('before-the-crash');
    // Another writer (the old tracker, writing in place) crashes half-way through the file.
    const good = readFileSync(path);
    writeFileSync(path, good.subarray(0, good.length >> 1));
    const before = snapshot(path);
    const results = await Promise.allSettled([
      handle.complete(),
      store.trackInvocation('x'),
      store.recordInvocations([testInvocation({ id: 'r', skillName: 'y' })]),
      store.getSummary(),
    ]);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(LegacyFileError);
    }
    expect(snapshot(path)).toEqual(before);
    expect(store.stats.rewrites).toBe(1);
    // Restored (from a backup, by hand): the same store carries on, the pending invocation included.
    writeFileSync(path, good);
    await handle.complete();
    expect((await store.getSkillMetrics('before-the-crash'))?.completedInvocations).toBe(1);
    await store.close();
  });
});
