import type { LegacyQuirkKind } from '@skill-metrics/json-legacy';
import type { FieldDiff } from '../shadow/diff.js';

/**
 * How one difference between two stores is classed: an invocation (or a skill's figures) only on
 * the left or only on the right, present on both with fields that differ, or a named quirk of a
 * legacy file (expected, and explained).
 */
export type DifferenceClass = 'missing-left' | 'missing-right' | 'field-differs' | `quirk:${LegacyQuirkKind}`;

export const FAILING_CLASSES: readonly DifferenceClass[] = ['missing-left', 'missing-right', 'field-differs'];

export interface Difference {
  class: DifferenceClass;
  /** The invocation's id, for a difference of one invocation. */
  id?: string;
  skillName?: string;
  /** What differs when it is not one invocation: `skill metrics`, `summary`, or the quirk's detail. */
  what?: string;
  /** Field by field (JSON pointers), for `field-differs`. */
  diff?: FieldDiff[];
  /** For a quirk: how many invocations (or skills) show it. */
  count?: number;
}

/** Counts by class and by skill, and a few samples of each class; memory bounded whatever the size. */
export class DifferenceTally {
  readonly counts = new Map<DifferenceClass, number>();
  readonly bySkill = new Map<string, Map<DifferenceClass, number>>();
  readonly samples = new Map<DifferenceClass, Difference[]>();
  readonly #maxSamples: number;

  constructor(maxSamples: number) {
    this.#maxSamples = maxSamples;
  }

  add(difference: Difference, weight = 1): void {
    const c = difference.class;
    this.counts.set(c, (this.counts.get(c) ?? 0) + weight);
    if (difference.skillName !== undefined) {
      const skill = this.bySkill.get(difference.skillName) ?? new Map<DifferenceClass, number>();
      skill.set(c, (skill.get(c) ?? 0) + weight);
      this.bySkill.set(difference.skillName, skill);
    }
    const samples = this.samples.get(c) ?? [];
    if (samples.length < this.#maxSamples) samples.push(difference);
    this.samples.set(c, samples);
  }

  /** Differences that are not named quirks. */
  get failing(): number {
    let n = 0;
    for (const c of FAILING_CLASSES) n += this.counts.get(c) ?? 0;
    return n;
  }
}
