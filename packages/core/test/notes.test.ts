import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidInputError, notesOf, SqliteStore, StoreClosedError, StoreReadOnlyError } from '@skill-metrics/core';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-notes-'));
let n = 0;
const freshPath = () => join(dir, `notes-${n++}.db`);

describe('store notes and state', () => {
  it('keeps notes of each kind oldest first, pages them after a seq, counts and clears them', async () => {
    const store = new SqliteStore({
      path: freshPath(),
      clock: { now: () => Date.UTC(2026, 0, 2), monotonic: () => 0 },
    });
    const notes = store.notes;
    const first = await notes.add('mismatch', { read: 'getSummary', diff: [{ path: '/totalInvocations' }] });
    const second = await notes.add('mismatch', ['any', 'json', 1.5, null]);
    await notes.add('secondary-error', { id: 'x' });
    const third = await notes.add('mismatch', 'text');
    expect(second).toBeGreaterThan(first);
    expect(third).toBeGreaterThan(second);
    expect(await notes.list('mismatch')).toEqual([
      {
        seq: first,
        kind: 'mismatch',
        recordedAt: '2026-01-02T00:00:00.000000Z',
        body: { read: 'getSummary', diff: [{ path: '/totalInvocations' }] },
      },
      { seq: second, kind: 'mismatch', recordedAt: '2026-01-02T00:00:00.000000Z', body: ['any', 'json', 1.5, null] },
      { seq: third, kind: 'mismatch', recordedAt: '2026-01-02T00:00:00.000000Z', body: 'text' },
    ]);
    expect((await notes.list('mismatch', { after: first, limit: 1 })).map((x) => x.seq)).toEqual([second]);
    expect(await notes.count('mismatch')).toBe(3);
    expect(await notes.count('nothing')).toBe(0);
    expect(await notes.clear('mismatch', { through: second })).toBe(2);
    expect((await notes.list('mismatch')).map((x) => x.seq)).toEqual([third]);
    expect(await notes.clear('mismatch')).toBe(1);
    expect(await notes.count('secondary-error')).toBe(1);
    await store.close();
  });

  it('keeps named state as JSON keeps it; null removes it', async () => {
    const store = new SqliteStore({ path: freshPath() });
    expect(await store.notes.getState('guardrail')).toBeNull();
    await store.notes.setState('guardrail', { held: true, since: '2026-01-01', rate: 0.25 });
    await store.notes.setState('guardrail', { held: true, since: '2026-01-02', rate: 0.5, when: new Date(0) });
    expect(await store.notes.getState('guardrail')).toEqual({
      held: true,
      since: '2026-01-02',
      rate: 0.5,
      when: '1970-01-01T00:00:00.000Z',
    });
    await store.notes.setState('guardrail', null);
    expect(await store.notes.getState('guardrail')).toBeNull();
    await store.close();
  });

  it('are seen by every connection to the database, with plain SQL too', async () => {
    const path = freshPath();
    const writer = new SqliteStore({ path });
    const reader = new SqliteStore({ path, readonly: true });
    await writer.notes.add('mismatch', { n: 1 });
    await writer.notes.setState('mode', 'verify');
    expect((await reader.notes.list('mismatch')).map((x) => x.body)).toEqual([{ n: 1 }]);
    expect(await reader.notes.getState('mode')).toBe('verify');
    const plain = new Database(path, { readonly: true });
    expect(
      plain.prepare("SELECT json_extract(body, '$.n') FROM store_note WHERE kind = 'mismatch'").pluck().get(),
    ).toBe(1);
    plain.close();
    await expect(reader.notes.add('mismatch', {})).rejects.toBeInstanceOf(StoreReadOnlyError);
    await reader.close();
    await writer.close();
  });

  it('refuse bad input typed, changing nothing, and every call once the store is closed', async () => {
    const store = new SqliteStore({ path: freshPath() });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(store.notes.add('', {})).rejects.toBeInstanceOf(InvalidInputError);
    await expect(store.notes.add('k', cyclic)).rejects.toThrow(/body/);
    await expect(store.notes.add('k', undefined)).rejects.toThrow(/body/);
    await expect(store.notes.list('k', { after: -1 })).rejects.toThrow(/options.after/);
    await expect(store.notes.list('k', { limit: 0 })).rejects.toThrow(/options.limit/);
    await expect(store.notes.list('k', { other: 1 } as never)).rejects.toThrow(/options.other/);
    await expect(store.notes.setState('k', () => 1)).rejects.toThrow(/value/);
    expect(await store.notes.count('k')).toBe(0);
    expect(notesOf(store)).toBe(store.notes);
    expect(notesOf({})).toBeNull();
    await store.close();
    await expect(store.notes.count('k')).rejects.toBeInstanceOf(StoreClosedError);
  });
});
