import { formatEpochMs, timestampToEpochMs, toCanonicalTimestamp } from '@skill-metrics/core/contract';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasNoFraction, hasOffset, LegacyTimeReader, toLegacyTimestamp } from './legacy-time.js';

const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Pacific/Chatham'];
/** What core makes of a time, or null when it is not one (core passes canonical-looking text through unchecked). */
const canonicalOrNull = (text: string, zone: string) => {
  try {
    const canonical = toCanonicalTimestamp(text, { naiveTimeZone: zone });
    return formatEpochMs(timestampToEpochMs(canonical)) === canonical ? canonical : null;
  } catch {
    return null;
  }
};

/** Legacy-looking times: Python's naive isoformat, `+HH:MM`, `Z`, and near misses. */
const legacyText = fc
  .record({
    ms: fc.integer({ min: Date.UTC(1971, 0, 1), max: Date.UTC(2099, 11, 31) }),
    micros: fc.integer({ min: 0, max: 999_999 }),
    fraction: fc.constantFrom('', '6', '3', '9', '1'),
    zone: fc.constantFrom('', '', '', '+00:00', 'Z', '-05:30', '+14:00', '+0530', '+05', 'z'),
    sep: fc.constantFrom('T', 'T', ' '),
    garble: fc.constantFrom(null, null, null, null, 'month', 'day', 'hour', 'char'),
  })
  .map(({ ms, micros, fraction, zone, sep, garble }) => {
    let wall = new Date(ms).toISOString().slice(0, 19).replace('T', sep);
    if (garble === 'month') wall = `${wall.slice(0, 5)}13${wall.slice(7)}`;
    if (garble === 'day') wall = `${wall.slice(0, 8)}31${wall.slice(10)}`;
    if (garble === 'hour') wall = `${wall.slice(0, 11)}24${wall.slice(13)}`;
    if (garble === 'char') wall = `${wall.slice(0, 3)}x${wall.slice(4)}`;
    const digits = String(micros).padStart(6, '0');
    const frac =
      fraction === ''
        ? ''
        : `.${fraction === '6' ? digits : fraction === '9' ? `${digits}123` : digits.slice(0, Number(fraction))}`;
    return `${wall}${frac}${zone}`;
  });

describe('LegacyTimeReader', () => {
  it('reads every legacy time exactly as toCanonicalTimestamp does, and rejects what it rejects', () => {
    fc.assert(
      fc.property(legacyText, fc.constantFrom(...ZONES), (text, zone) => {
        const reader = new LegacyTimeReader(zone);
        expect(reader.canonical(text)).toBe(canonicalOrNull(text, zone));
      }),
      { numRuns: 5000, seed: 5 },
    );
  });

  it('keeps agreeing within one reader as its offset cache fills (a year of hourly times)', () => {
    for (const zone of ZONES) {
      const reader = new LegacyTimeReader(zone);
      for (let h = 0; h < 24 * 366; h += 7) {
        const text = new Date(Date.UTC(2026, 0, 1) + h * 3_600_000 + 1234).toISOString().slice(0, 23);
        expect(reader.canonical(text), `${zone} ${text}`).toBe(canonicalOrNull(text, zone));
      }
    }
  });
});

describe('toLegacyTimestamp', () => {
  it('writes naive local time, fraction left out when zero, that reads back to the same instant', () => {
    expect(toLegacyTimestamp('2026-03-01T12:00:00.000000Z', 'UTC')).toBe('2026-03-01T12:00:00');
    expect(toLegacyTimestamp('2026-03-01T12:00:00.123400Z', 'Asia/Tokyo')).toBe('2026-03-01T21:00:00.123400');
    expect(toLegacyTimestamp('2026-07-01T12:00:00.000001Z', 'America/New_York')).toBe('2026-07-01T08:00:00.000001');
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1971, 0, 1), max: Date.UTC(2099, 0, 1) }),
        fc.integer({ min: 0, max: 999 }),
        fc.constantFrom(...ZONES),
        (ms, extraMicros, zone) => {
          const canonical = formatEpochMs(ms + extraMicros / 1000);
          const legacy = toLegacyTimestamp(canonical, zone);
          expect(toCanonicalTimestamp(legacy, { naiveTimeZone: zone })).toBe(canonical);
          expect(hasNoFraction(legacy)).toBe(canonical.endsWith('.000000Z'));
        },
      ),
      { numRuns: 3000, seed: 9 },
    );
  });

  it('adds the offset only for a local time the clocks show twice, where a naive reading would misplace it', () => {
    // New York, 2026-11-01: 01:00–02:00 happens twice (EDT, then EST); a naive 01:30 is read as the first.
    expect(toLegacyTimestamp('2026-11-01T05:30:00.000000Z', 'America/New_York')).toBe('2026-11-01T01:30:00');
    expect(toLegacyTimestamp('2026-11-01T06:30:00.000000Z', 'America/New_York')).toBe('2026-11-01T01:30:00-05:00');
    expect(toCanonicalTimestamp('2026-11-01T01:30:00-05:00')).toBe('2026-11-01T06:30:00.000000Z');
    expect(toLegacyTimestamp('2026-11-01T04:30:00.000000Z', 'America/New_York')).toBe('2026-11-01T00:30:00');
    expect(hasOffset('2026-11-01T01:30:00-04:00')).toBe(true);
    expect(hasOffset('2026-11-01T01:30:00.250000+00:00')).toBe(true);
    expect(hasOffset('2026-11-01T01:30:00.250000')).toBe(false);
  });
});
