import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FlagdCore } from '@openfeature/flagd-core';
import {
  bucketOf,
  checkShares,
  FLAG_FILE_ENV,
  FLAG_KEY,
  fractionalMode,
  MODE_ENV,
  murmur3x86,
  ROLLOUT_ORDER,
  rolloutStage,
  type StorageMode,
  StorageModeProvider,
} from '@skill-metrics/dual';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { freshPaths, keptLines } from './stores.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

/** A flagd flag whose `fractional` rule lists the modes in rollout order with these shares. */
function flagdConfig(shares: Readonly<Record<StorageMode, number>>): string {
  return JSON.stringify({
    flags: {
      [FLAG_KEY]: {
        state: 'ENABLED',
        variants: Object.fromEntries(ROLLOUT_ORDER.map((m) => [m, m])),
        defaultVariant: 'legacy',
        targeting: { fractional: ROLLOUT_ORDER.map((m) => [m, shares[m]]) },
      },
    },
  });
}

describe('the rollout bucketing', () => {
  it('hashes with MurmurHash3 x86-32, seed 0: the reference vectors and flagd’s edge keys', () => {
    // Austin Appleby's SMHasher verification values for the empty input and short keys.
    expect(murmur3x86(utf8(''))).toBe(0);
    expect(murmur3x86(utf8(''), 1)).toBe(0x514e28b7);
    expect(murmur3x86(utf8('Hello, world!'), 1234)).toBe(0xfaf6cdb3);
    expect(murmur3x86(utf8('The quick brown fox jumps over the lazy dog'))).toBe(0x2e4ff723);
    // flagd-testbed's keys whose hash falls on the boundaries, and the buckets of 100 they give.
    const edges: Array<[string, number, number]> = [
      ['ejOoVL', 0, 0],
      ['bY9fO-', 1, 0],
      ['SI7p-', 2147483647, 49],
      ['6LvT0', 2147483648, 50],
      ['ceQdGm', 4294967295, 99],
    ];
    for (const [key, hash, bucket] of edges) {
      expect(murmur3x86(utf8(key))).toBe(hash);
      expect(bucketOf('', key)).toBe(bucket);
    }
  });

  it('gives every key the mode flagd’s own evaluator gives it, on 100,000 keys', () => {
    const shares = checkShares({ db: 7, 'db-primary': 13, verify: 25, 'dual-write': 20 });
    const flagd = new FlagdCore();
    flagd.setConfigurations(flagdConfig(shares));
    const differ: string[] = [];
    for (let i = 0; i < 100_000; i++) {
      const key = i % 2 ? randomUUID() : `session-${i}`;
      const theirs = flagd.resolveStringEvaluation(FLAG_KEY, 'none', { targetingKey: key }).value;
      if (theirs !== fractionalMode(FLAG_KEY, key, shares)) differ.push(key);
    }
    expect(differ).toEqual([]);
  });

  it('puts a 10 % share within ±0.5 % of 100,000 session ids, and what the shares leave in legacy', () => {
    const shares = checkShares({ 'db-primary': 10, verify: 60 });
    expect(shares).toEqual({ db: 0, 'db-primary': 10, verify: 60, 'dual-write': 0, legacy: 30 });
    const counts: Record<string, number> = {};
    for (let i = 0; i < 100_000; i++) {
      const mode = fractionalMode(FLAG_KEY, randomUUID(), shares);
      counts[mode] = (counts[mode] ?? 0) + 1;
    }
    expect(Math.abs((counts['db-primary'] ?? 0) / 1000 - 10)).toBeLessThanOrEqual(0.5);
    expect(Math.abs((counts.verify ?? 0) / 1000 - 60)).toBeLessThanOrEqual(0.5);
    expect(Math.abs((counts.legacy ?? 0) / 1000 - 30)).toBeLessThanOrEqual(0.5);
    expect(counts.db ?? 0).toBe(0);
  });

  it('gives the same id the same mode in a fresh process', () => {
    const shares = { db: 20, 'db-primary': 20, verify: 20, 'dual-write': 20 };
    const ids = Array.from({ length: 1000 }, (_, i) => `s-${i}-${'é'.repeat(i % 3)}`);
    const script = `
      import { fractionalMode, checkShares } from '@skill-metrics/dual';
      const ids = JSON.parse(process.argv[1]);
      process.stdout.write(JSON.stringify(ids.map((id) => fractionalMode('${FLAG_KEY}', id, checkShares(${JSON.stringify(shares)})))));`;
    const child = spawnSync(
      process.execPath,
      ['--conditions=dev-source', '--import', 'tsx', '--input-type=module', '-e', script, JSON.stringify(ids)],
      { cwd: join(import.meta.dirname, '..'), encoding: 'utf8' },
    );
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual(ids.map((id) => fractionalMode(FLAG_KEY, id, checkShares(shares))));
  });

  it('only ever moves a key forward when share moves from a mode to a more advanced one', () => {
    const modes = ROLLOUT_ORDER;
    fc.assert(
      fc.property(
        fc.array(fc.nat(25), { minLength: 4, maxLength: 4 }),
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 0, max: 4 }),
        fc.nat(25),
        fc.array(fc.string({ maxLength: 12 }), { minLength: 50, maxLength: 50 }),
        (weights, a, b, amount, keys) => {
          const [to, from] = a < b ? [a, b] : [b, a]; // `to` is the more advanced (earlier in rollout order)
          if (to === from) return;
          const before = Object.fromEntries(modes.slice(0, 4).map((m, i) => [m, weights[i] ?? 0])) as Record<
            string,
            number
          >;
          const legacyBefore = 100 - Object.values(before).reduce((x, y) => x + y, 0);
          const take = Math.min(amount, modes[from] === 'legacy' ? legacyBefore : (before[modes[from] as string] ?? 0));
          const after = { ...before };
          if (modes[from] !== 'legacy') after[modes[from] as string] = (after[modes[from] as string] ?? 0) - take;
          after[modes[to] as string] = (after[modes[to] as string] ?? 0) + take;
          const s0 = checkShares(before);
          const s1 = checkShares(after);
          for (const key of keys) {
            expect(rolloutStage(fractionalMode(FLAG_KEY, key, s1))).toBeGreaterThanOrEqual(
              rolloutStage(fractionalMode(FLAG_KEY, key, s0)),
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses shares that are not whole percentages of known modes adding up to at most 100', () => {
    expect(() => checkShares({ verify: 101 })).toThrow(/whole percentage/);
    expect(() => checkShares({ verify: 2.5 })).toThrow(/whole percentage/);
    expect(() => checkShares({ verify: 60, db: 50 })).toThrow(/110 %/);
    expect(() => checkShares({ turbo: 10 })).toThrow(/unknown mode "turbo"/);
    expect(() => checkShares([10])).toThrow(/object/);
  });
});

describe('the built-in provider', () => {
  const resolve = (provider: StorageModeProvider, targetingKey?: string) =>
    provider
      .resolveStringEvaluation(FLAG_KEY, 'legacy', targetingKey === undefined ? {} : { targetingKey })
      .then((r) => r.value);

  it('gives every call the mode in SKILL_METRICS_MODE, before any file', async () => {
    const provider = new StorageModeProvider({ env: { [MODE_ENV]: 'verify', [FLAG_FILE_ENV]: '/nonexistent' } });
    expect(await resolve(provider, 'a')).toBe('verify');
    expect(await resolve(provider)).toBe('verify');
  });

  it('splits sessions by the shares in the flag file, reads it again when it changes, and gives a call without a key the largest share', async () => {
    const file = `${freshPaths().legacy}.flag.json`;
    writeFileSync(file, JSON.stringify({ verify: 90, 'db-primary': 10 }));
    const provider = new StorageModeProvider({ env: { [FLAG_FILE_ENV]: file }, recheckMs: 0 });
    const keys = Array.from({ length: 200 }, (_, i) => `session-${i}`);
    const shares = checkShares({ verify: 90, 'db-primary': 10 });
    for (const key of keys) expect(await resolve(provider, key)).toBe(fractionalMode(FLAG_KEY, key, shares));
    expect(await resolve(provider)).toBe('verify');
    writeFileSync(file, JSON.stringify({ db: 100 }));
    for (const key of keys.slice(0, 10)) expect(await resolve(provider, key)).toBe('db');
    expect(await resolve(provider)).toBe('db');
  });

  it('logs a bad value, an unknown mode or an unreadable file once, and resolves as an error (legacy)', async () => {
    const { lines, logger } = keptLines();
    const bad = new StorageModeProvider({ env: { [MODE_ENV]: 'fast' }, logger, recheckMs: 0 });
    const result = await bad.resolveStringEvaluation(FLAG_KEY, 'legacy', { targetingKey: 'k' });
    expect(result).toMatchObject({ value: 'legacy', reason: 'ERROR', errorCode: 'PARSE_ERROR' });
    await resolve(bad, 'k');
    expect(lines).toEqual([expect.stringMatching(/SKILL_METRICS_MODE="fast" is not a mode.*using legacy/)]);

    const file = `${freshPaths().legacy}.flag.json`;
    writeFileSync(file, '{"verify": 90, "warp": 10}');
    const unknown = new StorageModeProvider({ env: { [FLAG_FILE_ENV]: file }, logger, recheckMs: 0 });
    expect(await resolve(unknown, 'k')).toBe('legacy');
    writeFileSync(file, '{"verify": ');
    expect(await resolve(unknown, 'k')).toBe('legacy');
    const missing = new StorageModeProvider({ env: { [FLAG_FILE_ENV]: `${file}.gone` }, logger });
    expect(await resolve(missing, 'k')).toBe('legacy');
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/unknown mode "warp"/),
      expect.stringMatching(/JSON/),
      expect.stringMatching(/cannot be read/),
    ]);
  });

  it('resolves to the default when nothing is configured, and refuses other flag types', async () => {
    const provider = new StorageModeProvider({ env: {} });
    expect(await resolve(provider, 'k')).toBe('legacy');
    expect(await provider.resolveBooleanEvaluation(FLAG_KEY, true)).toMatchObject({
      value: true,
      errorCode: 'TYPE_MISMATCH',
    });
  });
});
