import { describe, InvalidInputError } from '../contract/errors.js';
import type { WorkflowPathMatch } from '../contract/types.js';
import { checkOptions } from './checks.js';
import { checkCount } from './query.js';
import { compareText } from './text.js';

/**
 * Workflow-path search: which words a path or a query is made of, and the order of the results.
 * A word is a run of letters, combining marks and digits, compared in a folded form: NFKC
 * (full-width and compatibility forms become plain ones), lower case, and without the Latin, Greek
 * and Cyrillic diacritics (U+0300–U+036F). Everything else separates words: spaces, punctuation,
 * symbols and emoji. A run of CJK characters is one word (there is no segmentation), so `测试`
 * is found by `测` but not by `试`.
 */

const WORD = /[\p{L}\p{M}\p{N}]+/gu;
const DIACRITICS = /[\u0300-\u036f]/g;

/** The folded words of a text, in order (repeats kept). */
export function searchWords(text: string): string[] {
  const folded = text.normalize('NFKC').toLowerCase().replaceAll('ς', 'σ').normalize('NFD').replace(DIACRITICS, '');
  return (folded.match(WORD) ?? []).map((w) => w.normalize('NFC'));
}

export const DEFAULT_SEARCH_LIMIT = 20;
const SEARCH_OPTIONS: ReadonlySet<string> = new Set(['limit']);

/** A checked search: the query's distinct words (none means no match) and the limit. */
export function checkSearch(query: unknown, options: unknown): { words: string[]; limit: number } {
  if (typeof query !== 'string') throw new InvalidInputError('query', `must be a string, got ${describe(query)}`);
  const given = checkOptions(options, 'options', SEARCH_OPTIONS).limit;
  const limit = given === undefined ? DEFAULT_SEARCH_LIMIT : checkCount(given, 'limit');
  return { words: [...new Set(searchWords(query))], limit };
}

/** Whether every query word is the start of some word of the path. */
export function pathMatches(pathWords: readonly string[], queryWords: readonly string[]): boolean {
  return queryWords.every((q) => pathWords.some((w) => w.startsWith(q)));
}

/** Results most used first, then by skill and path. */
export function byMatchRank(a: WorkflowPathMatch, b: WorkflowPathMatch): number {
  return (
    b.invocationCount - a.invocationCount ||
    compareText(a.skillName, b.skillName) ||
    compareText(a.workflowPath, b.workflowPath)
  );
}
