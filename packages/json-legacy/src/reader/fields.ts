import { describe } from '@skill-metrics/core/contract';
import { INVOCATION_KEYS, isKnownInvocationKey, type LegacyRawInvocation } from '../format.js';
import { hasNoFraction, hasOffset, type LegacyTimeReader } from '../legacy-time.js';
import type { QuirkCollector } from '../quirks.js';
import { Located } from './window.js';

/**
 * The checks of one invocation of the file: the values the old tracker's dataclass needs, of the
 * types it needs (`skill_name` and `invoked_at`; the rest have defaults), and the quirks it shows.
 */

/**
 * Text JSON.parse would not read exactly as Python wrote it: an integral float (`5.0`), an exponent,
 * a long integer, a key that looks like an array index. An invocation with any is parsed exactly.
 */
const HAZARD = /[\s:[,]-?(?:\d+\.0+(?![0-9eE])|\d+(?:\.\d+)?[eE]|\d{16,}(?![0-9.eE]))|"\d+"\s*:/;

/** The largest time a JavaScript Date holds, in ms from the epoch. */
const MAX_EPOCH_MS = 8.64e15;

export interface CheckedRaw {
  /** The invocation, parsed again exactly when its unknown keys needed it. */
  raw: LegacyRawInvocation;
  /** `invoked_at` in epoch microseconds. */
  epochMicros: number;
  pending: boolean;
}

export interface FieldContext {
  times: LegacyTimeReader;
  quirks: QuirkCollector;
  /** Parses `source` (read at `offset`) with Python's rules. */
  parseExactly(source: string, offset: number): unknown;
  /** Where each call's result goes: one object reused for every invocation, as a million are read. */
  result: CheckedRaw;
}

/** Checks the invocation at `ordinal` (throwing a `Located` naming the bad field) and notes its quirks. */
export function checkInvocation(
  input: LegacyRawInvocation,
  ordinal: number,
  offset: number,
  source: string | null,
  ctx: FieldContext,
): CheckedRaw {
  let raw = input;
  const bad = (key: string, problem: string): never => {
    throw new Located(problem, offset, `invocations[${ordinal}].${key}`);
  };
  const name = raw.skill_name;
  const at = raw.invoked_at;
  const workflowPath = raw.workflow_path;
  const completed = raw.completed;
  const duration = raw.duration_seconds;
  const actions = raw.follow_up_actions;
  const errorType = raw.error_type;
  if (typeof name !== 'string') bad('skill_name', `must be a string, got ${describe(name)}`);
  if (typeof at !== 'string') bad('invoked_at', `must be a string, got ${describe(at)}`);
  const epochMicros = ctx.times.epochMicros(at as string);
  if (Number.isNaN(epochMicros)) bad('invoked_at', `is not an ISO-8601 time: ${JSON.stringify(at)}`);
  if (workflowPath != null && typeof workflowPath !== 'string') {
    bad('workflow_path', `must be a string or null, got ${describe(workflowPath)}`);
  }
  if (completed !== undefined && typeof completed !== 'boolean') {
    bad('completed', `must be true or false, got ${describe(completed)}`);
  }
  if (duration != null && typeof duration !== 'number') {
    bad('duration_seconds', `must be a number or null, got ${describe(duration)}`);
  }
  // invoked_at + duration must be a time (its completion time is derived from them).
  if (typeof duration === 'number' && !(Math.abs(epochMicros / 1000 + duration * 1000) <= MAX_EPOCH_MS)) {
    bad('duration_seconds', `is out of range: ${duration}`);
  }
  if (actions != null) {
    if (!Array.isArray(actions)) bad('follow_up_actions', `must be a list of strings, got ${describe(actions)}`);
    for (let i = 0; i < (actions as unknown[]).length; i++) {
      const action = (actions as unknown[])[i];
      if (typeof action !== 'string') bad(`follow_up_actions[${i}]`, `must be a string, got ${describe(action)}`);
    }
  }
  if (errorType != null && typeof errorType !== 'string') {
    bad('error_type', `must be a string or null, got ${describe(errorType)}`);
  }
  const explicitId = raw.invocation_id;
  if (explicitId !== undefined && (typeof explicitId !== 'string' || explicitId.length === 0)) {
    bad('invocation_id', `must be a non-empty string, got ${describe(explicitId)}`);
  }
  const completedAt = raw.completed_at;
  if (completedAt != null && (typeof completedAt !== 'string' || Number.isNaN(ctx.times.epochMicros(completedAt)))) {
    bad('completed_at', `must be an ISO-8601 time or null, got ${describe(completedAt)}`);
  }

  // Keys: the common case is exactly the old tracker's seven.
  let keyCount = 0;
  for (const _ in raw) keyCount++;
  const missing =
    (name === undefined ? 1 : 0) +
    (at === undefined ? 1 : 0) +
    (workflowPath === undefined ? 1 : 0) +
    (completed === undefined ? 1 : 0) +
    (duration === undefined ? 1 : 0) +
    (actions === undefined ? 1 : 0) +
    (errorType === undefined ? 1 : 0);
  const extensions = (explicitId === undefined ? 0 : 1) + (completedAt === undefined ? 0 : 1);
  const { quirks } = ctx;
  if (keyCount !== 7 - missing + extensions) {
    // Only keys the old tracker did not write can hold what JSON.parse would not keep as written.
    if (source !== null && HAZARD.test(source)) raw = ctx.parseExactly(source, offset) as LegacyRawInvocation;
    quirks.at(
      'extra-invocation-keys',
      ordinal,
      Object.keys(raw).filter((k) => !isKnownInvocationKey(k)),
    );
    noteUnmappedContext(raw, ordinal, quirks);
  }
  if (missing > 0) {
    quirks.at(
      'missing-invocation-keys',
      ordinal,
      INVOCATION_KEYS.filter((k) => raw[k] === undefined),
    );
  }
  const text = at as string;
  if (hasNoFraction(text)) quirks.at('no-fraction-timestamp', ordinal);
  if (text.length !== 26 && text.length !== 19 && hasOffset(text)) quirks.at('offset-timestamp', ordinal);

  const pending = completed !== true && duration == null && completedAt == null;
  if (pending) {
    quirks.at('pending-invocation', ordinal);
  } else {
    if (completed === true && !duration) quirks.at('zero-or-null-duration', ordinal);
    if (typeof duration === 'number' && duration < 0) quirks.at('negative-duration', ordinal);
  }
  const result = ctx.result;
  result.raw = raw;
  result.epochMicros = epochMicros;
  result.pending = pending;
  return result;
}

/** `session_id`/`project_path`/`user_context` of a type the contract's fields cannot take. */
function noteUnmappedContext(raw: LegacyRawInvocation, ordinal: number, quirks: QuirkCollector): void {
  const bad: string[] = [];
  for (const key of ['session_id', 'project_path'] as const) {
    const v = raw[key];
    if (v !== undefined && v !== null && typeof v !== 'string') bad.push(key);
  }
  const ctx = raw.user_context;
  if (ctx !== undefined && ctx !== null && (typeof ctx !== 'object' || Array.isArray(ctx))) bad.push('user_context');
  if (bad.length > 0) quirks.at('unmapped-context-key', ordinal, bad);
}
