import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InvalidInputError, InvalidStateError, toCanonicalTimestamp } from '@skill-metrics/core/contract';
import { type LegacyEntry, type LegacyQuirk, legacyInvocationId, readLegacyFile } from '@skill-metrics/json-legacy';
import { describe, expect, it } from 'vitest';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const at = (name: string) => `${FIXTURES}${name}`;

async function read(name: string, options: Parameters<typeof readLegacyFile>[1] = {}) {
  const file = readLegacyFile(at(name), { timeZone: 'UTC', ...options });
  const entries: LegacyEntry[] = [];
  for await (const entry of file.invocations) entries.push(entry);
  return { entries, summary: file.summary() };
}

const brief = (quirks: LegacyQuirk[]) =>
  Object.fromEntries(
    quirks.map((q) => [
      q.kind,
      {
        count: q.count,
        ...(q.ordinals.length ? { ordinals: q.ordinals } : {}),
        ...(q.skills.length ? { skills: q.skills } : {}),
        ...(Object.keys(q.keys).length ? { keys: q.keys } : {}),
      },
    ]),
  );

describe('readLegacyFile', () => {
  it('names the quirks of an everyday file of the old tracker', async () => {
    const { summary } = await read('tracker.json');
    expect(brief(summary.quirks)).toEqual({
      'pending-invocation': { count: 2, ordinals: [3, 6] },
      'zero-or-null-duration': { count: 1, ordinals: [4] },
      'no-fraction-timestamp': { count: 1, ordinals: [2] },
    });
  });

  it('names a completer called twice', async () => {
    const { summary } = await read('double-completion.json');
    expect(brief(summary.quirks)).toEqual({ 'double-completion': { count: 1, skills: ['git-commit'] } });
    expect(summary.totals.get('git-commit')).toMatchObject({ totalInvocations: 2 });
    expect(summary.skills.get('git-commit')).toMatchObject({ total_invocations: 3 });
  });

  it('names first/last invoked in completion order', async () => {
    const { summary } = await read('completion-order.json');
    expect(brief(summary.quirks)).toEqual({ 'completion-order-first-last': { count: 1, skills: ['refactor'] } });
    expect(summary.totals.get('refactor')).toMatchObject({
      firstInvoked: '2026-05-10T14:00:00.000001Z',
      lastInvoked: '2026-05-10T14:00:02.000001Z',
    });
  });

  it('names what later trackers added: offsets, extra keys at every level', async () => {
    const { summary, entries } = await read('later-variant.json');
    expect(brief(summary.quirks)).toEqual({
      'pending-invocation': { count: 1, ordinals: [2] },
      'offset-timestamp': { count: 3, ordinals: [0, 1, 2] },
      'no-fraction-timestamp': { count: 1, ordinals: [2] },
      'extra-invocation-keys': {
        count: 3,
        ordinals: [0, 1, 2],
        keys: {
          session_id: 3,
          user_query: 2,
          alternatives_considered: 1,
          selection_rank: 2,
          project_path: 1,
          user_context: 1,
        },
      },
      'extra-skill-keys': {
        count: 1,
        skills: ['lint-fix'],
        keys: { avg_selection_rank: 1, recommendation_success_rate: 1 },
      },
      'extra-root-keys': { count: 1, keys: { schema: 1 } },
    });
    expect(summary.root.map(([k]) => k)).toEqual(['invocations', 'skills', 'last_updated', 'schema']);
    expect(entries[0]?.raw.alternatives_considered).toEqual([
      { skill: 'formatter', score: 1 },
      { skill: 'lint-fix', score: 0.75 },
    ]);
  });

  it('names every quirk of a file other writers and hand edits went through', async () => {
    const { summary } = await read('quirks.json');
    expect(brief(summary.quirks)).toEqual({
      'pending-invocation': { count: 1, ordinals: [4] },
      'completion-order-first-last': { count: 1, skills: ['lint'] },
      'zero-or-null-duration': { count: 1, ordinals: [3] },
      'negative-duration': { count: 1, ordinals: [1] },
      'no-fraction-timestamp': { count: 1, ordinals: [5] },
      'extra-invocation-keys': { count: 1, ordinals: [3], keys: { session_id: 1 } },
      'missing-invocation-keys': {
        count: 2,
        ordinals: [0, 5],
        keys: { error_type: 2, workflow_path: 1, follow_up_actions: 1 },
      },
      'unmapped-context-key': { count: 1, ordinals: [3], keys: { session_id: 1 } },
      'missing-skill-keys': {
        count: 1,
        skills: ['ghost'],
        keys: {
          abandoned_invocations: 1,
          total_duration_seconds: 1,
          workflow_paths: 1,
          common_errors: 1,
          follow_up_actions: 1,
          first_invoked: 1,
          last_invoked: 1,
          completion_rate: 1,
          avg_duration_seconds: 1,
        },
      },
      'aggregate-mismatch': { count: 2, skills: ['lint', 'ghost'] },
    });
    // The old tracker added a negative duration as it was; so do the figures read from the list.
    expect(summary.totals.get('deploy')).toMatchObject({ totalDurationSeconds: 4, totalInvocations: 3 });
  });

  it('finds nothing odd in an empty file', async () => {
    const { summary, entries } = await read('empty.json');
    expect(entries).toEqual([]);
    expect(summary).toMatchObject({ invocationCount: 0, quirks: [], bytes: 87 });
  });

  it('gives each invocation its ordinal, byte offset, raw object, derived id and contract view', async () => {
    const text = readFileSync(at('tracker.json'));
    const { entries } = await read('tracker.json', { timeZone: 'Europe/Berlin' });
    const raw = JSON.parse(text.toString('utf8')).invocations as Array<Record<string, unknown>>;
    expect(entries.map((e) => e.ordinal)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    for (const e of entries) {
      expect(e.raw).toEqual(raw[e.ordinal]);
      expect(text[e.offset]).toBe(0x7b);
      expect(text.subarray(e.offset, e.offset + 20).toString()).toBe('{\n      "skill_name"');
      expect(e.id).toBe(legacyInvocationId(raw[e.ordinal] as never, e.ordinal));
      expect(e.invocation.invokedAt).toBe(
        toCanonicalTimestamp(raw[e.ordinal]?.invoked_at, { naiveTimeZone: 'Europe/Berlin' }),
      );
    }
    expect(entries[1]?.invocation).toMatchObject({
      skillName: 'pytest-runner',
      invokedAt: '2026-03-02T08:15:16.868273Z',
      status: 'abandoned',
      completedAt: '2026-03-02T08:15:19.868274Z',
      errorType: "[Errno 2] No such file: 'conftest.py'",
    });
    expect(entries[3]?.invocation).toMatchObject({ status: 'pending', completedAt: null });
  });

  it('reads the same whatever the chunk size, elements and escapes cut anywhere', async () => {
    for (const name of ['tracker.json', 'later-variant.json', 'quirks.json', 'double-completion.json']) {
      const whole = await read(name);
      for (let chunkSize = 16; chunkSize < 200; chunkSize += 7) {
        const cut = await read(name, { chunkSize });
        expect(cut.entries.map((e) => [e.ordinal, e.offset, e.raw])).toEqual(
          whole.entries.map((e) => [e.ordinal, e.offset, e.raw]),
        );
        expect(cut.summary.quirks).toEqual(whole.summary.quirks);
        expect(cut.summary.skills).toEqual(whole.summary.skills);
      }
    }
  });

  it('streams in batches, once, and gives the summary only at the end', async () => {
    const file = readLegacyFile(at('tracker.json'), { timeZone: 'UTC' });
    expect(() => file.summary()).toThrow(InvalidStateError);
    const batches: number[] = [];
    for await (const batch of file.batches()) batches.push(batch.length);
    expect(batches).toEqual([7]);
    expect(() => file.batches()).toThrow(InvalidStateError);
    await expect(file.invocations[Symbol.asyncIterator]().next()).rejects.toThrow(/already being read/);
    expect(file.summary().invocationCount).toBe(7);
    // A read broken off goes on where it stopped.
    const again = readLegacyFile(at('tracker.json'), { timeZone: 'UTC', chunkSize: 64 });
    const seen: number[] = [];
    for await (const entry of again.invocations) {
      seen.push(entry.ordinal);
      if (entry.ordinal === 1) break;
    }
    expect(() => again.summary()).toThrow(/not been read/);
    expect((await again.finish()).invocationCount).toBe(7);
    expect(seen).toEqual([0, 1]);
    await expect(readLegacyFile(at('tracker.json'), { timeZone: 'UTC' }).finish()).resolves.toMatchObject({
      invocationCount: 7,
      digest: null,
    });
    expect((await readLegacyFile(at('empty.json'), { digest: true }).finish()).digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('rejects a missing file and an unknown zone with typed errors', async () => {
    await expect(readLegacyFile(at('nope.json')).finish()).rejects.toMatchObject({
      code: 'LEGACY_FILE',
      problem: 'does not exist',
    });
    expect(() => readLegacyFile(at('tracker.json'), { timeZone: 'Nowhere/Else' })).toThrow(/timeZone/);
    // Bad options are the caller's, not the file's.
    for (const [options, field] of [
      [{ chunkSize: Number.NaN }, 'chunkSize'],
      [{ chunkSize: 0 }, 'chunkSize'],
      [{ maxQuirkSamples: -1 }, 'maxQuirkSamples'],
      [{ digest: 'yes' }, 'digest'],
      [{ zone: 'UTC' }, 'options.zone'],
    ] as const) {
      const error = (() => {
        try {
          readLegacyFile(at('tracker.json'), options as never);
        } catch (e) {
          return e;
        }
      })();
      expect(error, JSON.stringify(options)).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).field).toBe(field);
    }
  });

  it('reads raw UTF-8 (a writer without ensure_ascii) and compact layouts, offsets in bytes', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(`${tmpdir()}/skill-metrics-legacy-reader-`);
    const invocation = (name: string) =>
      `{"skill_name": "${name}", "invoked_at": "2026-01-01T00:00:00.5", "completed": true, "duration_seconds": 1.5}`;
    const texts = [
      `{\n  "invocations": [\n    ${invocation('déjà')},\n    ${invocation('🚀')}\n  ]\n}`,
      `{"invocations":[${invocation('déjà')},${invocation('🚀')}],"skills":{}}`,
    ];
    for (const [k, text] of texts.entries()) {
      const path = `${dir}/f${k}.json`;
      writeFileSync(path, text);
      for (const chunkSize of [16, 50, undefined]) {
        const file = readLegacyFile(path, { timeZone: 'UTC', chunkSize });
        const entries: LegacyEntry[] = [];
        for await (const e of file.invocations) entries.push(e);
        expect(entries.map((e) => e.raw.skill_name)).toEqual(['déjà', '🚀']);
        const bytes = Buffer.from(text);
        expect(entries.map((e) => bytes.subarray(e.offset, e.offset + 15).toString())).toEqual([
          '{"skill_name": ',
          '{"skill_name": ',
        ]);
        expect(entries[1]?.offset).toBe(bytes.indexOf('{"skill_name": "🚀'));
      }
    }
  });
});
