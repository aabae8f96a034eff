import { describe, expect, it } from 'vitest';
import { InvalidInputError } from './errors.js';
import {
  formatEpochMs,
  isCanonicalTimestamp,
  isTimestampInRange,
  MAX_TIMESTAMP_MS,
  nowTimestamp,
  timestampToEpochMs,
  toCanonicalTimestamp,
  utcMs,
} from './time.js';

describe('canonical timestamps', () => {
  it('formats epoch milliseconds as UTC with six fractional digits', () => {
    expect(formatEpochMs(Date.UTC(2026, 10, 26, 10, 18, 8, 719) + 0.857)).toBe('2026-11-26T10:18:08.719857Z');
    expect(formatEpochMs(0)).toBe('1970-01-01T00:00:00.000000Z');
    expect(formatEpochMs(Date.UTC(2024, 1, 29, 23, 59, 59, 999))).toBe('2024-02-29T23:59:59.999000Z');
    expect(isCanonicalTimestamp(nowTimestamp())).toBe(true);
  });

  it('agrees with Date#toISOString on many times, and round-trips through epoch milliseconds', () => {
    for (let i = 0; i < 5000; i++) {
      const ms = Math.floor(Math.random() * 4_102_444_800_000); // 1970 … 2100
      const text = formatEpochMs(ms);
      expect(text.slice(0, 23)).toBe(new Date(ms).toISOString().slice(0, 23));
      expect(timestampToEpochMs(text)).toBe(ms);
    }
  });

  it('parses Z, offsets, missing seconds and fractions, and truncates beyond microseconds', () => {
    expect(toCanonicalTimestamp('2026-11-26T10:18:08.719857Z')).toBe('2026-11-26T10:18:08.719857Z');
    expect(toCanonicalTimestamp('2026-11-26T10:18:08Z')).toBe('2026-11-26T10:18:08.000000Z');
    expect(toCanonicalTimestamp('2026-11-26T10:18Z')).toBe('2026-11-26T10:18:00.000000Z');
    expect(toCanonicalTimestamp('2026-11-26T11:18:08.5+01:00')).toBe('2026-11-26T10:18:08.500000Z');
    expect(toCanonicalTimestamp('2026-11-26T05:18:08-0500')).toBe('2026-11-26T10:18:08.000000Z');
    expect(toCanonicalTimestamp('2026-11-26 10:18:08.123456789+00:00')).toBe('2026-11-26T10:18:08.123456Z');
    expect(toCanonicalTimestamp('2026-01-01T00:30:00+01:00')).toBe('2025-12-31T23:30:00.000000Z');
  });

  it('converts naive local times with the zone it is given, across daylight-saving changes', () => {
    const berlin = { naiveTimeZone: 'Europe/Berlin' };
    expect(toCanonicalTimestamp('2026-01-15T12:00:00', berlin)).toBe('2026-01-15T11:00:00.000000Z');
    expect(toCanonicalTimestamp('2026-07-15T12:00:00.250000', berlin)).toBe('2026-07-15T10:00:00.250000Z');
    // 2026-03-29 02:30 does not exist in Berlin; 03:30 CEST is 01:30 UTC.
    expect(toCanonicalTimestamp('2026-03-29T03:30:00', berlin)).toBe('2026-03-29T01:30:00.000000Z');
    expect(toCanonicalTimestamp('2026-11-26T10:18:08', { naiveTimeZone: 'UTC' })).toBe('2026-11-26T10:18:08.000000Z');
    expect(toCanonicalTimestamp('2026-11-26T10:18:08', { naiveTimeZone: 'America/New_York' })).toBe(
      '2026-11-26T15:18:08.000000Z',
    );
  });

  it('reads a time that occurs twice as its first occurrence, and one that never occurs with the earlier offset', () => {
    // As Python's fold=0, in every zone alike.
    expect(toCanonicalTimestamp('2026-11-01T01:30:00', { naiveTimeZone: 'America/New_York' })).toBe(
      '2026-11-01T05:30:00.000000Z',
    );
    expect(toCanonicalTimestamp('2026-10-25T02:30:00', { naiveTimeZone: 'Europe/Berlin' })).toBe(
      '2026-10-25T00:30:00.000000Z',
    );
    expect(toCanonicalTimestamp('2026-03-29T02:30:00', { naiveTimeZone: 'Europe/Berlin' })).toBe(
      '2026-03-29T01:30:00.000000Z',
    );
    expect(toCanonicalTimestamp('2026-03-08T02:30:00', { naiveTimeZone: 'America/New_York' })).toBe(
      '2026-03-08T07:30:00.000000Z',
    );
    // Lord Howe moves by half an hour: 01:45 happens twice on 2026-04-05 (+11:00, then +10:30).
    expect(toCanonicalTimestamp('2026-04-05T01:45:00', { naiveTimeZone: 'Australia/Lord_Howe' })).toBe(
      '2026-04-04T14:45:00.000000Z',
    );
    expect(toCanonicalTimestamp('2026-04-05T02:15:00', { naiveTimeZone: 'Australia/Lord_Howe' })).toBe(
      '2026-04-04T15:45:00.000000Z',
    );
  });

  it('rejects what is not a time, naming the field', () => {
    const canonicalShaped = [
      '2026-13-01T00:00:00.000000Z',
      '2026-02-29T00:00:00.000000Z',
      '2026-01-01T24:00:00.000000Z',
    ];
    for (const bad of canonicalShaped) expect(isCanonicalTimestamp(bad), bad).toBe(false);
    expect(isCanonicalTimestamp('2024-02-29T23:59:59.999999Z')).toBe(true);
    for (const bad of [
      '',
      'yesterday',
      '2026-13-01T00:00:00Z',
      '2026-02-29T00:00:00Z',
      '2026-01-01T24:00:00Z',
      ...canonicalShaped,
      42,
      null,
    ]) {
      expect(() => toCanonicalTimestamp(bad, { field: 'invokedAt' })).toThrow(InvalidInputError);
    }
    expect(() => toCanonicalTimestamp('2026-01-01T00:00:00')).toThrow(/no UTC offset/);
    expect(() => toCanonicalTimestamp('2026-01-01T00:00:00', { naiveTimeZone: 'Mars/Olympus' })).toThrow(
      /not a known IANA time zone/,
    );
  });

  it('refuses offsets of a day or more and minutes past 59, as Python does', () => {
    for (const zone of ['+24:00', '+99:99', '+05:75', '-24:00', '+2400']) {
      expect(() => toCanonicalTimestamp(`2026-03-01T12:00:00${zone}`), zone).toThrow(/offset out of range/);
    }
    expect(toCanonicalTimestamp('2026-03-01T12:00:00+23:59')).toBe('2026-02-28T12:01:00.000000Z');
    expect(toCanonicalTimestamp('2026-03-01T12:00:00-23:59')).toBe('2026-03-02T11:59:00.000000Z');
  });

  it('keeps years 0001–0099 as written and refuses what falls outside 0001–9999 in UTC', () => {
    expect(toCanonicalTimestamp('0050-03-01T12:00:00Z')).toBe('0050-03-01T12:00:00.000000Z');
    expect(toCanonicalTimestamp('0001-01-01T00:00:00+00:00')).toBe('0001-01-01T00:00:00.000000Z');
    expect(toCanonicalTimestamp('0099-12-31T23:00:00-02:00')).toBe('0100-01-01T01:00:00.000000Z');
    expect(timestampToEpochMs('0050-03-01T12:00:00.000000Z')).toBe(new Date('0050-03-01T12:00:00Z').getTime());
    expect(formatEpochMs(new Date('0050-03-01T12:00:00Z').getTime())).toBe('0050-03-01T12:00:00.000000Z');
    expect(utcMs(50, 3, 1, 12, 0, 0)).toBe(new Date('0050-03-01T12:00:00Z').getTime());
    expect(toCanonicalTimestamp('0050-03-01T12:00:00', { naiveTimeZone: 'UTC' })).toBe('0050-03-01T12:00:00.000000Z');
    for (const bad of ['0000-06-01T00:00:00Z', '9999-12-31T23:00:00-05:00', '0001-01-01T00:30:00+01:00']) {
      expect(() => toCanonicalTimestamp(bad), bad).toThrow(InvalidInputError);
    }
    expect(toCanonicalTimestamp('9999-12-31T23:59:59.999999Z')).toHaveLength(27);
    expect(isCanonicalTimestamp('0000-01-01T00:00:00.000000Z')).toBe(false);
    expect(isTimestampInRange(MAX_TIMESTAMP_MS)).toBe(true);
    expect(isTimestampInRange(MAX_TIMESTAMP_MS + 1)).toBe(false);
  });
});
