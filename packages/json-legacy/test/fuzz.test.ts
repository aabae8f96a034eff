import { isUtf8 } from 'node:buffer';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LegacyFileError, openLegacyStore, readLegacyFile } from '@skill-metrics/json-legacy';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const SEEDS = ['tracker.json', 'later-variant.json', 'quirks.json', 'double-completion.json', 'empty.json'].map((f) =>
  readFileSync(join(FIXTURES, f)),
);
const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-legacy-fuzz-'));
let n = 0;

/** Bytes that matter to a JSON scanner, so that mutations hit structure and escapes often. */
const significant = fc.constantFrom(...Buffer.from('{}[],:"\\ \n0123456789.eE-+tfnu\u00ff\u0080\u00c3'));

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), byte: fc.oneof(significant, fc.nat(255)) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.array(significant, { minLength: 1, maxLength: 4 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 30 }) }),
  fc.record({ kind: fc.constant('value' as const), at: fc.nat(), json: fc.json({ maxDepth: 2 }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(bytes: Buffer, m: Mutation): Buffer {
  const at = bytes.length === 0 ? 0 : m.at % bytes.length;
  switch (m.kind) {
    case 'truncate':
      return bytes.subarray(0, at);
    case 'replace': {
      const copy = Buffer.from(bytes);
      if (copy.length > 0) copy[at] = m.byte;
      return copy;
    }
    case 'insert':
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(m.bytes), bytes.subarray(at)]);
    case 'delete':
      return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + m.length)]);
    case 'value': {
      // Put any JSON value where a value starts (after ': '), replacing the old one's first token.
      const text = bytes.toString('latin1');
      const colon = text.indexOf(': ', at);
      if (colon < 0) return bytes;
      const rest = text.slice(colon + 2);
      const token = /^("(?:[^"\\]|\\.)*"|-?[\d.eE+-]+|true|false|null|\[\]|\{\})/.exec(rest);
      if (!token) return bytes;
      return Buffer.from(`${text.slice(0, colon + 2)}${m.json}${rest.slice(token[0].length)}`, 'latin1');
    }
  }
}

/** Reads the whole file the way the backfill would, touching every entry's id and contract view. */
async function readAll(path: string, chunkSize: number | undefined) {
  const file = readLegacyFile(path, { timeZone: 'Europe/Berlin', chunkSize });
  let count = 0;
  for await (const entry of file.invocations) {
    expect(typeof entry.id).toBe('string');
    expect(entry.invocation.skillName).toBe(entry.raw.skill_name);
    count++;
  }
  return { count, summary: file.summary() };
}

function expectTypedError(error: unknown, path: string, size: number) {
  if (!(error instanceof LegacyFileError)) throw error;
  expect(error.path).toBe(path);
  if (error.position) {
    expect(error.position.offset).toBeGreaterThanOrEqual(0);
    expect(error.position.offset).toBeLessThanOrEqual(size);
    expect(error.position.line).toBeGreaterThanOrEqual(1);
    expect(error.position.column).toBeGreaterThanOrEqual(1);
    expect(error.message).toContain(`(byte ${error.position.offset})`);
  }
}

describe('readLegacyFile on broken input (fast-check)', () => {
  it('gives a LegacyFileError or a full read, and never accepts what is not JSON', { timeout: 30_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...SEEDS.keys()),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        fc.option(fc.integer({ min: 16, max: 300 }), { nil: undefined }),
        async (seed, mutations, chunkSize) => {
          const bytes = mutations.reduce(mutate, SEEDS[seed] as Buffer);
          const path = join(dir, `m-${n++}.json`);
          writeFileSync(path, bytes);
          let parses = isUtf8(bytes);
          try {
            JSON.parse(bytes.toString('utf8'));
          } catch {
            parses = false;
          }
          try {
            await readAll(path, chunkSize);
            expect(parses, 'the reader accepted a file JSON.parse rejects').toBe(true);
          } catch (error) {
            expectTypedError(error, path, bytes.length);
          }
        },
      ),
      { numRuns: 600, seed: 20261126 },
    );
  });

  it('gives a LegacyFileError or a full read for values of any type in any field', { timeout: 30_000 }, async () => {
    const field = <T>(valid: fc.Arbitrary<T>) =>
      fc.oneof({ weight: 3, arbitrary: valid }, fc.jsonValue({ maxDepth: 2 }));
    const invocation = fc.record(
      {
        skill_name: field(fc.string()),
        invoked_at: field(
          fc.constantFrom('2026-01-01T10:00:00.123456', '2026-01-01T10:00:00+00:00', '2026-01-01T10:00:00'),
        ),
        workflow_path: field(fc.option(fc.string())),
        completed: field(fc.boolean()),
        duration_seconds: field(fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }))),
        follow_up_actions: field(fc.array(fc.string())),
        error_type: field(fc.option(fc.string())),
        session_id: field(fc.string()),
        user_context: field(fc.object()),
        invocation_id: field(fc.uuid()),
        completed_at: field(fc.constant('2026-01-01T10:00:05Z')),
      },
      { requiredKeys: [] },
    );
    const skill = fc.record(
      {
        skill_name: field(fc.string()),
        total_invocations: field(fc.nat()),
        workflow_paths: field(fc.dictionary(fc.string(), fc.nat())),
        first_invoked: field(fc.option(fc.constant('2026-01-01T10:00:00'))),
        completion_rate: field(fc.double({ noNaN: true, noDefaultInfinity: true })),
      },
      { requiredKeys: [] },
    );
    const document = fc.record(
      {
        invocations: field(fc.array(invocation, { maxLength: 4 })),
        skills: field(fc.dictionary(fc.string(), skill, { maxKeys: 3 })),
        last_updated: fc.jsonValue(),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(
        document,
        fc.option(fc.integer({ min: 16, max: 200 }), { nil: undefined }),
        async (doc, chunkSize) => {
          const path = join(dir, `v-${n++}.json`);
          const text = JSON.stringify(doc, null, 2);
          writeFileSync(path, text);
          try {
            const { count } = await readAll(path, chunkSize);
            expect(count).toBe(Array.isArray(doc.invocations) ? doc.invocations.length : 0);
          } catch (error) {
            expectTypedError(error, path, Buffer.byteLength(text));
          }
        },
      ),
      { numRuns: 600, seed: 7 },
    );
  });

  it('never writes over a broken file: the store rejects with the typed error and leaves the bytes', {
    timeout: 30_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...SEEDS.keys()), mutation, async (seed, m) => {
        const bytes = mutate(SEEDS[seed] as Buffer, m);
        const path = join(dir, `s-${n++}.json`);
        writeFileSync(path, bytes);
        try {
          const store = await openLegacyStore({ path, timeZone: 'UTC' });
          await store.track('fuzz', () => undefined);
          await store.close();
        } catch (error) {
          expectTypedError(error, path, bytes.length);
          expect(readFileSync(path)).toEqual(bytes);
        }
      }),
      { numRuns: 150, seed: 99 },
    );
  });
});
