import type { WorkflowPathMatch } from '../contract/types.js';
import { pathMatches, searchWords } from '../engine/search.js';
import type { Statements } from './statements.js';

/** From this many matching pairs on, a search walks the ranking instead of sorting the matches. */
const MANY_MATCHES = 1000;
/** How far a walk of the ranking goes before it sorts the matches after all. */
const WALK_BUDGET = 1500;

/**
 * Workflow-path search over SQLite: the FTS5 index finds the (skill, path) pairs whose folded words
 * match; the best `limit` of them, most used first, are found by the cheaper of two ways. A few
 * matches are looked up and sorted. Many are most likely among the most used pairs, so the ranking
 * is walked — each pair's words tested here — until the limit is met; should the matches rank low
 * (the walk meets its budget first), they are sorted after all. Either way the limit bounds the work.
 */
export class PathSearch {
  /** Each path's folded words (paths repeat in every search). */
  readonly #words = new Map<string, string[]>();

  constructor(readonly statements: Statements) {}

  run(words: readonly string[], limit: number): WorkflowPathMatch[] {
    // The index holds each path's folded words; each query word matches as a prefix, all required.
    const match = words.map((w) => `"${w}"*`).join(' ');
    const s = this.statements;
    if ((s.countMatches.get(match, MANY_MATCHES) ?? 0) >= MANY_MATCHES) {
      const found: WorkflowPathMatch[] = [];
      let walked = 0;
      for (const [skillName, workflowPath, invocationCount] of s.rankedPaths.iterate()) {
        if (pathMatches(this.#wordsOf(workflowPath), words)) found.push({ skillName, workflowPath, invocationCount });
        if (found.length === limit || ++walked === WALK_BUDGET) break;
      }
      if (found.length === limit || walked < WALK_BUDGET) return found;
    }
    return s.searchFew.all(match, limit) as WorkflowPathMatch[];
  }

  #wordsOf(path: string): string[] {
    let words = this.#words.get(path);
    if (!words) {
      if (this.#words.size >= 100_000) this.#words.clear();
      words = searchWords(path);
      this.#words.set(path, words);
    }
    return words;
  }
}
