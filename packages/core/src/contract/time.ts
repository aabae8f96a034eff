import { describe, InvalidInputError } from './errors.js';

/**
 * Every stored timestamp has one canonical form: UTC ISO-8601 with exactly six fractional digits
 * and `Z` (`2026-11-26T10:18:08.719857Z`). String order is then time order, and the microseconds
 * of legacy files survive.
 */
const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

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

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Whether the fields of a text in canonical shape name a real moment (no month 13, no 24:00). */
function inRange(v: string): boolean {
  const n = (from: number, to: number) => Number(v.slice(from, to));
  const year = n(0, 4);
  const month = n(5, 7);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
  const day = n(8, 10);
  return day >= 1 && day <= days && n(11, 13) <= 23 && n(14, 16) <= 59 && n(17, 19) <= 59;
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
  const localMs = Date.UTC(parts[0], parts[1] - 1, parts[2], parts[3], parts[4], parts[5]);
  const check = new Date(localMs);
  if (
    check.getUTCFullYear() !== parts[0] ||
    check.getUTCMonth() !== parts[1] - 1 ||
    check.getUTCDate() !== parts[2] ||
    check.getUTCHours() !== parts[3] ||
    check.getUTCMinutes() !== parts[4] ||
    check.getUTCSeconds() !== parts[5]
  ) {
    throw new InvalidInputError(field, `is not a valid date and time: ${JSON.stringify(value)}`);
  }
  let utcMs: number;
  if (zone === undefined) {
    if (!options.naiveTimeZone) {
      throw new InvalidInputError(field, `has no UTC offset and no time zone was given: ${JSON.stringify(value)}`);
    }
    utcMs = zonedToUtc(localMs, options.naiveTimeZone);
  } else if (zone === 'Z' || zone === 'z') {
    utcMs = localMs;
  } else {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetMin = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0');
    utcMs = localMs - sign * offsetMin * 60_000;
  }
  const micros = frac.padEnd(6, '0').slice(0, 6);
  return `${new Date(utcMs).toISOString().slice(0, 19)}.${micros}Z`;
}

/** Epoch milliseconds of a canonical timestamp (sub-millisecond digits included as a fraction). */
export function timestampToEpochMs(canonical: string): number {
  const n = (from: number, to: number) => Number(canonical.slice(from, to));
  return Date.UTC(n(0, 4), n(5, 7) - 1, n(8, 10), n(11, 13), n(14, 16), n(17, 19)) + n(20, 26) / 1000;
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
 * The wall clock in `timeZone` at `utcMs`: `[year, month (1–12), day, hour, minute, second]`.
 * Throws `InvalidInputError` for a zone this runtime does not know.
 */
export function wallClock(utcMs: number, timeZone: string): [number, number, number, number, number, number] {
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
      });
    } catch {
      throw new InvalidInputError('timeZone', `is not a known IANA time zone: ${JSON.stringify(timeZone)}`);
    }
    zoneFormatters.set(timeZone, fmt);
  }
  const p: Record<string, number> = {};
  for (const part of fmt.formatToParts(new Date(utcMs))) p[part.type] = Number(part.value);
  return [p.year ?? 0, p.month ?? 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0];
}

function zoneOffsetMs(utcMs: number, timeZone: string): number {
  const [y, mo, d, h, mi, sec] = wallClock(utcMs, timeZone);
  return Date.UTC(y, mo - 1, d, h, mi, sec) - Math.floor(utcMs / 1000) * 1000;
}
