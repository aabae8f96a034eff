import { InvalidInputError } from '../contract/errors.js';

/**
 * One order for text in every store: by Unicode code point. It is UTF-8 byte order (SQLite's
 * BINARY collation) and PostgreSQL's `COLLATE "C"`; JavaScript's `<` compares UTF-16 code units,
 * which puts characters beyond U+FFFF (stored as surrogates, 0xD800–0xDFFF) before U+E000–U+FFFF.
 */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === n) return a.length < b.length ? -1 : 1;
  return codePointRank(a.charCodeAt(i)) < codePointRank(b.charCodeAt(i)) ? -1 : 1;
}

/** A code unit moved so that surrogates rank above every other unit, as their code points do. */
function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

const LONE_SURROGATE = /\p{Cs}/u;

/** Whether `value` has no lone surrogate. */
export function isWellFormed(value: string): boolean {
  return !LONE_SURROGATE.test(value);
}

/**
 * `value` when it is well-formed Unicode; a lone surrogate (half of a pair, as `str.slice()` through
 * an emoji leaves) cannot be stored as UTF-8 (SQLite would turn it into U+FFFD, PostgreSQL refuses
 * it), so it is refused in every store alike.
 */
export function checkWellFormed(value: string, field: string): string {
  // The engine's own test (Node 20 has it) answers at once for the usual text; the search names where.
  if ((value as unknown as { isWellFormed(): boolean }).isWellFormed()) return value;
  const at = value.search(LONE_SURROGATE);
  if (at >= 0) {
    throw new InvalidInputError(
      field,
      `must be well-formed Unicode, but has a lone surrogate (U+${value.charCodeAt(at).toString(16).toUpperCase()}) at index ${at}`,
    );
  }
  return value;
}
