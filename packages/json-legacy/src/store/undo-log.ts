import {
  addFinished,
  type CheckedInvocation,
  copyTotals,
  emptyTotals,
  type RecordSteps,
  type SkillTotals,
} from '@skill-metrics/core/engine';
import {
  addLegacyCompletion,
  completedAtToWrite,
  isPendingRaw,
  type LegacyRawInvocation,
  type LegacyRawSkill,
  newLegacySkill,
  toContractInvocation,
  toRaw,
} from '../format.js';
import { legacyInvocationId } from '../ids.js';
import { cloneJson, defineKey } from '../pyjson.js';
import { type FileState, idAt, ordinalOf } from './state.js';

/** How an invocation of the file ends, as written into it. */
export interface RawOutcome {
  completed: boolean;
  durationSeconds: number | null;
  followUpActions: string[];
  errorType: string | null;
  /** Written as `completed_at` (canonical UTC) when it is not `invoked_at + duration`. */
  completedAt: string | null;
}

/**
 * The changes of one write to a `FileState`, each with its undo: a change that fails (a conflict in
 * the middle of a batch) is rolled back to its mark, leaving the state as it found it. Every finished
 * invocation is counted twice over: in the old tracker's counters (the `skills` section written to
 * the file) and in the contract's totals (what the store reports).
 */
export class UndoLog {
  /** Whether anything was changed (and the file must be written). */
  dirty = false;
  readonly #undo: Array<() => void> = [];
  /** Skills and totals already copied in the current change. */
  #touched = new Set<string>();

  constructor(
    readonly state: FileState,
    readonly timeZone: string,
  ) {}

  /** Where the current change starts. */
  mark(): number {
    this.#touched = new Set();
    return this.#undo.length;
  }

  rollback(mark: number): void {
    while (this.#undo.length > mark) (this.#undo.pop() as () => void)();
  }

  find(id: string, hint?: number): number | undefined {
    return ordinalOf(this.state, id, hint);
  }

  /** Appends an invocation; its id is `id`, or derived from its place when null. */
  append(raw: LegacyRawInvocation, id: string | null): { id: string; ordinal: number } {
    const s = this.state;
    const ordinal = s.invocations.length;
    const derived = legacyInvocationId(raw as never, ordinal);
    if (id !== null && id !== derived) defineKey(raw, 'invocation_id', id);
    const finalId = id ?? derived;
    s.invocations.push(raw);
    s.ids[ordinal] = finalId;
    s.byId?.set(finalId, ordinal);
    this.#changed(() => {
      s.invocations.length = ordinal;
      s.ids.length = Math.min(s.ids.length, ordinal);
      s.views.length = Math.min(s.views.length, ordinal);
      s.texts.length = Math.min(s.texts.length, ordinal);
      if (s.byId?.get(finalId) === ordinal) s.byId.delete(finalId);
    });
    return { id: finalId, ordinal };
  }

  /** Finishes the pending invocation at `ordinal` and counts it. */
  finish(ordinal: number, o: RawOutcome): void {
    const s = this.state;
    const raw = s.invocations[ordinal] as LegacyRawInvocation;
    this.#set(raw, 'completed', o.completed);
    this.#set(raw, 'duration_seconds', o.durationSeconds);
    this.#set(raw, 'follow_up_actions', [...o.followUpActions]);
    this.#set(raw, 'error_type', o.errorType);
    if (o.completedAt !== null) this.#set(raw, 'completed_at', o.completedAt);
    // Its view and its text are of the pending invocation: made again when next needed.
    const view = s.views[ordinal];
    const text = s.texts[ordinal];
    s.views[ordinal] = undefined;
    s.texts[ordinal] = undefined;
    this.#changed(() => {
      s.views[ordinal] = view;
      s.texts[ordinal] = text;
    });
    this.#count(ordinal);
  }

  /** Whether the invocation at `ordinal` is still pending. */
  isPending(ordinal: number): boolean {
    return isPendingRaw(this.state.invocations[ordinal] as LegacyRawInvocation);
  }

  /** The steps `recordEach` imports through. */
  recordSteps(): RecordSteps {
    return {
      insertIfNew: (item) => {
        if (this.find(item.id) !== undefined) return false;
        const raw = toRaw(item, this.timeZone);
        const completedAt = completedAtToWrite(item, item.completedAtGiven);
        if (completedAt !== null) defineKey(raw, 'completed_at', completedAt);
        const { ordinal } = this.append(raw, item.id);
        if (item.status !== 'pending') this.#count(ordinal);
        return true;
      },
      stored: (id) => {
        const at = this.find(id) as number;
        return toContractInvocation(this.state.invocations[at] as LegacyRawInvocation, id, this.timeZone);
      },
      complete: (item: CheckedInvocation) => {
        this.finish(this.find(item.id) as number, {
          completed: item.completed,
          durationSeconds: item.durationSeconds,
          followUpActions: item.followUpActions,
          errorType: item.errorType,
          completedAt: completedAtToWrite(item, item.completedAtGiven),
        });
      },
    };
  }

  #set(raw: LegacyRawInvocation, key: string, value: unknown): void {
    const had = Object.hasOwn(raw, key);
    const old = raw[key];
    defineKey(raw, key, value);
    this.#changed(() => {
      if (had) raw[key] = old;
      else delete raw[key];
    });
  }

  #changed(undo: () => void): void {
    this.dirty = true;
    this.state.version += 1;
    this.#undo.push(() => {
      undo();
      this.state.version += 1;
    });
  }

  /** Adds a finished invocation to the old tracker's counters and to the contract's totals. */
  #count(ordinal: number): void {
    const raw = this.state.invocations[ordinal] as LegacyRawInvocation;
    const name = raw.skill_name as string;
    addLegacyCompletion(this.#skill(name, raw.invoked_at), raw);
    addFinished(this.#totals(name), toContractInvocation(raw, idAt(this.state, ordinal), this.timeZone));
  }

  /** The skill's counters, copied once per change so that an undo can put the old ones back. */
  #skill(name: string, firstInvoked: unknown): LegacyRawSkill {
    return this.#copyOnce(this.state.skills, `s:${name}`, name, (old) =>
      old ? cloneJson(old) : newLegacySkill(name, firstInvoked),
    );
  }

  #totals(name: string): SkillTotals {
    return this.#copyOnce(this.state.totals, `t:${name}`, name, (old) => (old ? copyTotals(old) : emptyTotals(name)));
  }

  #copyOnce<T>(map: Map<string, T>, key: string, name: string, copy: (old: T | undefined) => T): T {
    const old = map.get(name);
    if (this.#touched.has(key) && old) return old;
    this.#touched.add(key);
    const fresh = copy(old);
    map.set(name, fresh);
    this.#undo.push(() => {
      if (old) map.set(name, old);
      else map.delete(name);
    });
    return fresh;
  }
}
