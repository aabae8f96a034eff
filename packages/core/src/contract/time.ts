import { describe, InvalidInputError } from './errors.js';

/**
 * Every stored timestamp has one canonical form: UTC ISO-8601 with exactly six fractional digits
 * and `Z` (`2026-11-26T10:18:08.719857Z`), always 27 characters, years 0001–9999 (Python's
 * `datetime` range). String order is then time order, and the microseconds of legacy files survive.
 */
const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** The first and last instants a canonical timestamp can name, in epoch milliseconds. */
export const MIN_TIMESTAMP_MS = utcMs(1, 1, 1, 0, 0, 0);
export const MAX_TIMESTAMP_MS = utcMs(9999, 12, 31, 23, 59, 59) + 999.999;

/** Epoch milliseconds of a UTC date and time; unlike `Date.UTC`, years 0–99 are themselves, not 1900–1999. */
export function utcMs(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  if (year >= 100) return ms;
  const d = new Date(ms);
  d.setUTCFullYear(year);
  return d.getTime();
}

/** The current time in canonical form (millisecond resolution). */
export function nowTimestamp(): string {
  return formatEpochMs(Date.now());
}

let cachedDay = Number.NaN;
let cachedDate = '';
const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/** Formats epoch milliseconds (fractions of a millisecond kept to the microsecond). */
export function formatEpochMs(epochMs: number): string {
  const micros = Math.round(epochMs * 1000);
  const second = Math.floor(micros / 1_000_000);
  const day = Math.floor(second / 86_400);
  // Date#toISOString is slow next to a write; the date part changes once a day.
  if (day !== cachedDay) {
    cachedDay = day;
    cachedDate = new Date(day * 86_400_000).toISOString().slice(0, 11); // 2026-11-26T
  }
  const s = second - day * 86_400;
  const time = `${pad2(Math.floor(s / 3600))}:${pad2(Math.floor(s / 60) % 60)}:${pad2(s % 60)}`;
  return `${cachedDate}${time}.${String(micros - second * 1_000_000).padStart(6, '0')}Z`;
}

export function isCanonicalTimestamp(value: unknown): value is string {
  return typeof value === 'string' && CANONICAL.test(value) && inRange(value);
}

/** Whether epoch milliseconds name an instant a canonical timestamp can hold (0001–9999). */
export function isTimestampInRange(epochMs: number): boolean {
  return epochMs >= MIN_TIMESTAMP_MS && epochMs <= MAX_TIMESTAMP_MS;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The number written at `from..to` of a text known to hold digits there (faster than `Number(slice)`). */
function digitsAt(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + text.charCodeAt(i) - 48;
  return n;
}

/** Whether the fields of a text in canonical shape name a real moment (no month 13, no 24:00). */
function inRange(v: string): boolean {
  const year = digitsAt(v, 0, 4);
  const month = digitsAt(v, 5, 7);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
  const day = digitsAt(v, 8, 10);
  return (
    year >= 1 &&
    day >= 1 &&
    day <= days &&
    digitsAt(v, 11, 13) <= 23 &&
    digitsAt(v, 14, 16) <= 59 &&
    digitsAt(v, 17, 19) <= 59
  );
}

export interface ParseTimestampOptions {
  /**
   * The IANA zone that a time without an offset is in (legacy files hold naive local times).
   * Without it such a time is an error.
   * @default undefined
   */
  naiveTimeZone?: string;
  /** Names the value in error messages. @default 'timestamp' */
  field?: string;
}

/**
 * Parses an ISO-8601 time (`Z`, `±HH:MM`, or naive with `naiveTimeZone`) into canonical form.
 * Fractions beyond microseconds are truncated.
 */
export function toCanonicalTimestamp(value: unknown, options: ParseTimestampOptions = {}): string {
  const field = options.field ?? 'timestamp';
  if (typeof value !== 'string')
    throw new InvalidInputError(field, `must be an ISO-8601 string, got ${describe(value)}`);
  if (CANONICAL.test(value) && inRange(value)) return value;
  const m = ISO.exec(value);
  if (!m) throw new InvalidInputError(field, `is not an ISO-8601 time: ${JSON.stringify(value)}`);
  const [, y, mo, d, h, mi, s = '00', frac = '', zone] = m as unknown as string[];
  const parts = [Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s)] as const;
  const localMs = utcMs(...parts);
  const check = new Date(localMs);
  if (
    parts[0] < 1 ||
    check.getUTCFullYear() !== parts[0] ||
    check.getUTCMonth() !== parts[1] - 1 ||
    check.getUTCDate() !== parts[2] ||
    check.getUTCHours() !== parts[3] ||
    check.getUTCMinutes() !== parts[4] ||
    check.getUTCSeconds() !== parts[5]
  ) {
    throw new InvalidInputError(field, `is not a valid date and time: ${JSON.stringify(value)}`);
  }
  let utc: number;
  if (zone === undefined) {
    if (!options.naiveTimeZone) {
      throw new InvalidInputError(field, `has no UTC offset and no time zone was given: ${JSON.stringify(value)}`);
    }
    utc = zonedToUtc(localMs, options.naiveTimeZone);
  } else if (zone === 'Z' || zone === 'z') {
    utc = localMs;
  } else {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const hours = Number(digits.slice(0, 2));
    const minutes = Number(digits.slice(2, 4) || '0');
    // As Python's fromisoformat: an offset is strictly less than a day, in whole minutes of an hour.
    if (hours > 23 || minutes > 59) {
      throw new InvalidInputError(field, `has a UTC offset out of range (-23:59 to +23:59): ${JSON.stringify(value)}`);
    }
    utc = localMs - sign * (hours * 60 + minutes) * 60_000;
  }
  if (!isTimestampInRange(utc)) {
    throw new InvalidInputError(field, `is outside the years 0001–9999 in UTC: ${JSON.stringify(value)}`);
  }
  return `${formatEpochMs(utc).slice(0, 19)}.${frac.padEnd(6, '0').slice(0, 6)}Z`;
}

/** Epoch milliseconds of a canonical timestamp (sub-millisecond digits included as a fraction). */
export function timestampToEpochMs(canonical: string): number {
  const n = (from: number, to: number) => digitsAt(canonical, from, to);
  return utcMs(n(0, 4), n(5, 7), n(8, 10), n(11, 13), n(14, 16), n(17, 19)) + n(20, 26) / 1000;
}

/** The zone this machine's clock is in, as Node reports it. */
export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

const DAY_MS = 86_400_000;
const zoneFormatters = new Map<string, Intl.DateTimeFormat>();
// Offsets change a few times a year; caching them per zone and local hour keeps imports fast.
const offsetCache = new Map<string, number>();

/**
 * Converts a wall-clock time in `timeZone` (given as if it were UTC) into real UTC, as Python does
 * with `fold=0`: a time that occurs twice (clocks going back) is its first occurrence, and a time
 * that never occurs (clocks going forward) is read with the offset from before the change.
 */
function zonedToUtc(localMs: number, timeZone: string): number {
  const hourKey = `${timeZone}|${Math.floor(localMs / 3_600_000)}`;
  const cached = offsetCache.get(hourKey);
  if (cached !== undefined) return localMs - cached;
  // A day either side, the zone has the only two offsets this local time can have.
  const before = zoneOffsetMs(localMs - DAY_MS, timeZone);
  const after = zoneOffsetMs(localMs + DAY_MS, timeZone);
  if (before === after) {
    if (offsetCache.size > 100_000) offsetCache.clear();
    offsetCache.set(hourKey, before);
    return localMs - before;
  }
  const fits = (offset: number) => zoneOffsetMs(localMs - offset, timeZone) === offset;
  const [earlier, later] = before > after ? [before, after] : [after, before]; // the larger offset is the earlier instant
  if (fits(earlier)) return localMs - earlier;
  if (fits(later)) return localMs - later;
  return localMs - before;
}

/**
 * The wall clock in `timeZone` at `instant` (epoch ms): `[year, month (1–12), day, hour, minute, second]`.
 * Throws `InvalidInputError` for a zone this runtime does not know.
 */
export function wallClock(instant: number, timeZone: string): [number, number, number, number, number, number] {
  let fmt = zoneFormatters.get(timeZone);
  if (!fmt) {
    try {
      fmt = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        era: 'short',
      });
    } catch {
      throw new InvalidInputError('timeZone', `is not a known IANA time zone: ${JSON.stringify(timeZone)}`);
    }
    zoneFormatters.set(timeZone, fmt);
  }
  const p: Record<string, number> = {};
  let beforeChrist = false;
  for (const part of fmt.formatToParts(new Date(instant))) {
    if (part.type === 'era') beforeChrist = part.value === 'BC';
    else p[part.type] = Number(part.value);
  }
  // The calendar has no year 0: 1 BC is year 0, 2 BC year -1.
  const year = beforeChrist ? 1 - (p.year ?? 1) : (p.year ?? 0);
  return [year, p.month ?? 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0];
}

function zoneOffsetMs(instant: number, timeZone: string): number {
  const [y, mo, d, h, mi, sec] = wallClock(instant, timeZone);
  return utcMs(y, mo, d, h, mi, sec) - Math.floor(instant / 1000) * 1000;
}
