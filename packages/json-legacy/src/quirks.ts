/**
 * The quirks of real legacy files, each named so that the importer and the checker can say what
 * they found rather than trip over it.
 */
export type LegacyQuirkKind =
  /** `completed: false` and `duration_seconds: null`: started, never finished; in no aggregate. */
  | 'pending-invocation'
  /** A skill counts more finished invocations than the list holds: a completer called twice counted twice. */
  | 'double-completion'
  /** `first_invoked`/`last_invoked` are not the earliest/latest start: the old tracker set them in completion order. */
  | 'completion-order-first-last'
  /** A completed invocation whose duration is 0 or null: it added nothing to `total_duration_seconds`. */
  | 'zero-or-null-duration'
  /** A negative duration (the wall clock went back while it ran); the old tracker added it as it was. */
  | 'negative-duration'
  /** An `invoked_at` with a UTC offset or `Z` (later trackers wrote `+00:00`). */
  | 'offset-timestamp'
  /** An `invoked_at` without fractional seconds (Python leaves them out when the microseconds are 0). */
  | 'no-fraction-timestamp'
  /** Invocations with keys beyond the old tracker's seven (`session_id`, `user_query`, …); kept on rewrite. */
  | 'extra-invocation-keys'
  /** Invocations missing some of the old tracker's keys (its defaults apply). */
  | 'missing-invocation-keys'
  /** `session_id`/`project_path`/`user_context` of a type the contract field cannot take; kept, but not mapped. */
  | 'unmapped-context-key'
  /** Skills with keys beyond the old tracker's (`avg_selection_rank`, …); kept on rewrite. */
  | 'extra-skill-keys'
  /** Skills missing some of the old tracker's keys (its defaults apply). */
  | 'missing-skill-keys'
  /** Top-level keys beyond `invocations`, `skills` and `last_updated`; kept on rewrite. */
  | 'extra-root-keys'
  /** A skill's stored figures differ from the invocation list in a way the quirks above do not explain. */
  | 'aggregate-mismatch';

export interface LegacyQuirk {
  kind: LegacyQuirkKind;
  /** How many invocations (or skills, or extra counted completions for `double-completion`) show it. */
  count: number;
  /** Ordinals (indexes in `invocations`) where it was seen; at most `maxQuirkSamples` of them. */
  ordinals: number[];
  /** Skills where it was seen. */
  skills: string[];
  /** For the key quirks: each key and how many times it was seen. */
  keys: Record<string, number>;
  /** One line on what it means here. */
  detail: string;
}

const DETAILS: Record<LegacyQuirkKind, string> = {
  'pending-invocation': 'started and never finished; counted in no aggregate',
  'double-completion': 'more finished invocations counted in skills than the list holds (a completer called twice)',
  'completion-order-first-last':
    'first_invoked/last_invoked follow completion order, not the earliest/latest start; reported as min/max',
  'zero-or-null-duration': 'completed with a duration of 0 or null; adds nothing to total_duration_seconds',
  'negative-duration': 'negative duration (the clock went back); counted as the old tracker did',
  'offset-timestamp': 'invoked_at with a UTC offset',
  'no-fraction-timestamp': 'invoked_at without fractional seconds',
  'extra-invocation-keys': 'invocation keys the old tracker did not write; kept on rewrite',
  'missing-invocation-keys': 'invocation keys the old tracker wrote are missing; its defaults apply',
  'unmapped-context-key': 'session_id/project_path/user_context of another type; kept, not mapped',
  'extra-skill-keys': 'skill keys the old tracker did not write; kept on rewrite',
  'missing-skill-keys': 'skill keys the old tracker wrote are missing; its defaults apply',
  'extra-root-keys': 'top-level keys the old tracker did not write; kept on rewrite',
  'aggregate-mismatch': "stored figures differ from the invocation list; the store reports the list's figures",
};

/** Collects quirks while a file is read. */
export class QuirkCollector {
  readonly #quirks = new Map<LegacyQuirkKind, LegacyQuirk>();
  readonly #max: number;

  constructor(maxSamples: number) {
    this.#max = maxSamples;
  }

  #get(kind: LegacyQuirkKind): LegacyQuirk {
    let q = this.#quirks.get(kind);
    if (!q) {
      q = { kind, count: 0, ordinals: [], skills: [], keys: {}, detail: DETAILS[kind] };
      this.#quirks.set(kind, q);
    }
    return q;
  }

  /** Seen at an invocation. */
  at(kind: LegacyQuirkKind, ordinal: number, keys?: readonly string[]): void {
    const q = this.#get(kind);
    q.count += 1;
    if (q.ordinals.length < this.#max) q.ordinals.push(ordinal);
    if (keys) for (const k of keys) this.#key(q, k);
  }

  /** Seen at a skill (`by` counts more than one, as extra completions do). */
  skill(kind: LegacyQuirkKind, skill: string, by = 1, keys?: readonly string[]): void {
    const q = this.#get(kind);
    q.count += by;
    if (q.skills.length < this.#max && !q.skills.includes(skill)) q.skills.push(skill);
    if (keys) for (const k of keys) this.#key(q, k);
  }

  /** Seen at the top level. */
  root(kind: LegacyQuirkKind, keys: readonly string[]): void {
    const q = this.#get(kind);
    q.count += 1;
    for (const k of keys) this.#key(q, k);
  }

  #key(q: LegacyQuirk, key: string): void {
    Object.defineProperty(q.keys, key, {
      value: (Object.hasOwn(q.keys, key) ? (q.keys[key] as number) : 0) + 1,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }

  list(): LegacyQuirk[] {
    const order = Object.keys(DETAILS) as LegacyQuirkKind[];
    return order.flatMap((kind) => {
      const q = this.#quirks.get(kind);
      return q ? [q] : [];
    });
  }
}
