import type { Invocation } from '@skill-metrics/core/contract';
import type { SkillTotals } from '@skill-metrics/core/engine';
import { invocationIdOf, type LegacyRawInvocation, type LegacyRawSkill, toContractInvocation } from '../format.js';
import type { LegacyQuirk } from '../quirks.js';
import { readLegacyFile } from '../reader/index.js';

/**
 * The legacy file as the store holds it in memory: the raw invocations and skills (written back as
 * they are), and what the contract reads of them — each skill's totals, and each invocation's id
 * and contract view, worked out once and kept.
 */
export interface FileState {
  /** `fingerprintOf` the file this state was read from or written to; null when there is no file. */
  fingerprint: string | null;
  /** SHA-256 of its bytes; null unless the file system's times are too coarse to tell versions apart. */
  digest: string | null;
  root: Array<[string, unknown]>;
  invocations: LegacyRawInvocation[];
  /** The old tracker's counters, as written to the file. */
  skills: Map<string, LegacyRawSkill>;
  /** The contract's totals, from the invocation list: what the store reports. */
  totals: Map<string, SkillTotals>;
  ids: Array<string | undefined>;
  views: Array<Invocation | undefined>;
  /** Each invocation's text as last written (see `LegacyDocument.texts`). */
  texts: Array<string | undefined>;
  /** Ordinal by id, built on the first lookup by id. */
  byId: Map<string, number> | null;
  quirks: LegacyQuirk[];
  /** Counts every change applied to this state: what read caches are keyed on. */
  version: number;
}

export function emptyState(): FileState {
  return {
    fingerprint: null,
    digest: null,
    root: [],
    invocations: [],
    skills: new Map(),
    totals: new Map(),
    ids: [],
    views: [],
    texts: [],
    byId: null,
    quirks: [],
    version: 0,
  };
}

/**
 * Reads the file at `path`. The ids of invocations that are as they were in `before` (the list
 * only grows) are kept, so that a re-read does not hash every invocation again.
 */
export async function readState(
  path: string,
  timeZone: string,
  fingerprint: string,
  before: FileState | null,
  digest: boolean,
): Promise<FileState> {
  const file = readLegacyFile(path, { timeZone, digest, maxQuirkSamples: 100 });
  const invocations: LegacyRawInvocation[] = [];
  for await (const batch of file.batches()) for (const entry of batch) invocations.push(entry.raw);
  const summary = file.summary();
  return {
    fingerprint,
    digest: summary.digest,
    root: summary.root,
    invocations,
    skills: summary.skills,
    totals: summary.totals,
    ids: before ? keptIds(before, invocations) : [],
    views: [],
    texts: [],
    byId: null,
    quirks: summary.quirks,
    version: 0,
  };
}

function keptIds(before: FileState, invocations: LegacyRawInvocation[]): Array<string | undefined> {
  const ids: Array<string | undefined> = [];
  const n = Math.min(before.invocations.length, invocations.length);
  for (let i = 0; i < n; i++) {
    const id = before.ids[i];
    const a = before.invocations[i] as LegacyRawInvocation;
    const b = invocations[i] as LegacyRawInvocation;
    if (
      id !== undefined &&
      a.skill_name === b.skill_name &&
      a.invoked_at === b.invoked_at &&
      a.workflow_path === b.workflow_path &&
      a.invocation_id === b.invocation_id
    ) {
      ids[i] = id;
    }
  }
  return ids;
}

export function idAt(state: FileState, ordinal: number): string {
  let id = state.ids[ordinal];
  if (id === undefined) {
    id = invocationIdOf(state.invocations[ordinal] as LegacyRawInvocation, ordinal);
    state.ids[ordinal] = id;
  }
  return id;
}

/** The ordinal of the invocation with this id (trying `hint` first), or undefined. */
export function ordinalOf(state: FileState, id: string, hint?: number): number | undefined {
  if (hint !== undefined && hint < state.invocations.length && idAt(state, hint) === id) return hint;
  if (!state.byId) {
    const byId = new Map<string, number>();
    for (let i = 0; i < state.invocations.length; i++) {
      const key = idAt(state, i);
      if (!byId.has(key)) byId.set(key, i);
    }
    state.byId = byId;
  }
  return state.byId.get(id);
}

/** The contract's view of the invocation at `ordinal` (shared: callers must not change it). */
export function viewAt(state: FileState, ordinal: number, timeZone: string): Invocation {
  let view = state.views[ordinal];
  if (view === undefined) {
    const raw = state.invocations[ordinal] as LegacyRawInvocation;
    view = toContractInvocation(raw, idAt(state, ordinal), timeZone);
    state.views[ordinal] = view;
  }
  return view;
}

/** Every invocation's view, in file order. */
export function* viewsOf(state: FileState, timeZone: string): Generator<Invocation> {
  for (let i = 0; i < state.invocations.length; i++) yield viewAt(state, i, timeZone);
}

/** The finished invocations' views, in file order. */
export function* finishedViewsOf(state: FileState, timeZone: string): Generator<Invocation> {
  for (const view of viewsOf(state, timeZone)) if (view.status !== 'pending') yield view;
}
