import {
  formatEpochMs,
  InvalidInputError,
  timestampToEpochMs,
  toCanonicalTimestamp,
  utcMs,
  wallClock,
} from '@skill-metrics/core/contract';

/**
 * Times as the old tracker wrote them: `datetime.now().isoformat()`, naive local time, the fraction
 * left out when the microseconds are zero; later trackers wrote `+00:00` offsets too.
 */

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Checks that `timeZone` is an IANA zone this runtime knows. */
export function checkTimeZone(timeZone: unknown): string {
  if (typeof timeZone !== 'string' || timeZone.length === 0) {
    throw new InvalidInputError('timeZone', `must be an IANA time zone name, got ${JSON.stringify(timeZone)}`);
  }
  wallClock(0, timeZone);
  return timeZone;
}

/**
 * A canonical UTC timestamp as the old tracker wrote times: `datetime.now().isoformat()`, naive local
 * time in `timeZone`, with the fraction left out when the microseconds are zero. A local time that
 * does not name one instant (the repeated hour when clocks go back) is written with its UTC offset
 * instead (`2026-11-01T01:30:00-04:00`), which Python's `fromisoformat` reads too; an instant whose
 * local time Python cannot write (before year 1 there, or an offset in seconds) is written in UTC
 * (`0001-01-01T00:00:00+00:00`).
 */
export function toLegacyTimestamp(canonical: string, timeZone: string): string {
  const micros = canonical.slice(20, 26);
  const fraction = micros === '000000' ? '' : `.${micros}`;
  const epochSeconds = Math.floor(timestampToEpochMs(`${canonical.slice(0, 19)}.000000Z`) / 1000);
  const [y, mo, d, h, mi, s] = wallClock(epochSeconds * 1000, timeZone);
  const naive = `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}${fraction}`;
  const offsetMin = Math.round((utcMs(y, mo, d, h, mi, s) / 1000 - epochSeconds) / 60);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  const withOffset = `${naive}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  for (const text of [naive, withOffset]) if (readsBackAs(text, timeZone, canonical)) return text;
  return `${canonical.slice(0, 19)}${fraction}+00:00`;
}

function readsBackAs(text: string, timeZone: string, canonical: string): boolean {
  try {
    return toCanonicalTimestamp(text, { naiveTimeZone: timeZone }) === canonical;
  } catch {
    return false;
  }
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : Number.NaN;
}

/** Epoch ms of the date and hour at the start of `text` read as UTC, or -1 when they are not valid. */
function localHourMs(text: string): number {
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84) return -1;
  const y = digit(text, 0) * 1000 + digit(text, 1) * 100 + digit(text, 2) * 10 + digit(text, 3);
  const mo = digit(text, 5) * 10 + digit(text, 6);
  const d = digit(text, 8) * 10 + digit(text, 9);
  const h = digit(text, 11) * 10 + digit(text, 12);
  // Date.UTC reads years 0–99 as 1900–1999; those (and any NaN) go the slow way.
  if (!(y >= 100 && mo >= 1 && mo <= 12 && d >= 1 && h <= 23)) return -1;
  const leap = mo === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (d > (DAYS_IN_MONTH[mo - 1] as number) + (leap ? 1 : 0)) return -1;
  return Date.UTC(y, mo - 1, d, h);
}

/**
 * Reads legacy times into epoch microseconds, fast, for sorting and comparing a million of them.
 * Gives exactly what `toCanonicalTimestamp(text, { naiveTimeZone })` gives (the common forms are
 * parsed here, the rest handed to it), or NaN for what it rejects.
 */
export class LegacyTimeReader {
  readonly timeZone: string;
  /** Zone offset by local hour (`localHourMs`), as toCanonicalTimestamp caches it. */
  readonly #offsets = new Map<number, number>();
  /** `YYYY-MM-DDTHH` → epoch ms of that hour read as UTC, or -1 when it is not a valid date and hour. */
  readonly #hours = new Map<string, number>();

  constructor(timeZone: string) {
    this.timeZone = timeZone;
  }

  /** Epoch microseconds of a legacy time, or NaN when it is not one. */
  epochMicros(text: string): number {
    const n = text.length;
    if (n < 19 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return this.#slow(text);
    // The date and hour (`2026-03-01T12`) repeat for thousands of invocations: parse and check them once.
    const prefix = text.slice(0, 13);
    let hour = this.#hours.get(prefix);
    if (hour === undefined) {
      hour = localHourMs(text);
      this.#hours.set(prefix, hour);
    }
    const mi = digit(text, 14) * 10 + digit(text, 15);
    const s = digit(text, 17) * 10 + digit(text, 18);
    // NaN (a non-digit) fails every comparison and goes the slow way.
    if (!(hour >= 0 && mi <= 59 && s <= 59)) return this.#slow(text);
    let i = 19;
    let micros = 0;
    if (i < n && text.charCodeAt(i) === 46) {
      let scale = 100000;
      i++;
      const from = i;
      for (; i < n; i++) {
        const c = text.charCodeAt(i) - 48;
        if (c < 0 || c > 9) break;
        micros += c * scale;
        scale /= 10;
      }
      if (i === from || i - from > 9) return this.#slow(text);
      micros = Math.floor(micros + 1e-6);
    }
    const localMs = hour + mi * 60_000 + s * 1000;
    let utcMs: number;
    if (i === n) {
      let offset = this.#offsets.get(hour);
      if (offset === undefined) {
        const canonical = this.#canonical(text);
        if (canonical === null) return Number.NaN;
        offset = localMs - Date.parse(`${canonical.slice(0, 19)}Z`);
        this.#offsets.set(hour, offset);
      }
      utcMs = localMs - offset;
    } else {
      const c = text.charCodeAt(i);
      if ((c === 90 || c === 122) && i + 1 === n) utcMs = localMs;
      else if ((c === 43 || c === 45) && n - i === 6 && text.charCodeAt(i + 3) === 58) {
        const oh = digit(text, i + 1) * 10 + digit(text, i + 2);
        const om = digit(text, i + 4) * 10 + digit(text, i + 5);
        if (Number.isNaN(oh) || Number.isNaN(om)) return Number.NaN;
        utcMs = localMs - (c === 45 ? -1 : 1) * (oh * 60 + om) * 60_000;
      } else {
        return this.#slow(text);
      }
    }
    return utcMs * 1000 + micros;
  }

  /** The canonical form (`…Z`, six fractional digits), or null when `text` is not a time. */
  canonical(text: string): string | null {
    const micros = this.epochMicros(text);
    return Number.isNaN(micros) ? null : formatEpochMs(micros / 1000);
  }

  #canonical(text: string): string | null {
    try {
      return toCanonicalTimestamp(text, { naiveTimeZone: this.timeZone });
    } catch {
      return null;
    }
  }

  #slow(text: string): number {
    const canonical = this.#canonical(text);
    if (canonical === null) return Number.NaN;
    const micros = Math.round(timestampToEpochMs(canonical) * 1000);
    // toCanonicalTimestamp passes text already in canonical form through unchecked (`…T24:00:00.000000Z`).
    return formatEpochMs(micros / 1000) === canonical ? micros : Number.NaN;
  }
}

/** `true` when a legacy time carries a UTC offset or `Z` (later trackers wrote `+00:00`). */
export function hasOffset(text: string): boolean {
  return /(?:[zZ]|[+-]\d\d(?::?\d\d)?)$/.test(text.slice(19));
}

/** `true` when a legacy time has no fractional seconds (Python leaves them out when they are zero). */
export function hasNoFraction(text: string): boolean {
  const c = text.charCodeAt(19);
  return c !== 46 && c !== 44;
}
