import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InvalidInputError } from '../contract/errors.js';
import { nowTimestamp } from '../contract/time.js';
import type { ExportResult, Invocation, MetricsSummary, SkillMetrics } from '../contract/types.js';

/**
 * The legacy tracker's `export_metrics` JSON: `{ summary, skills, invocations, exported_at }` with its
 * snake_case keys. Additions are marked: percentiles per skill; id, status, completed_at, session and
 * project per invocation. Times are canonical UTC rather than naive local. Each invocation is one
 * line of the file (`INVOCATION_SEPARATOR` between two), written as JSON without spaces.
 */

export function legacySummary(s: MetricsSummary): Record<string, unknown> {
  return {
    total_skills: s.totalSkills,
    total_invocations: s.totalInvocations,
    overall_completion_rate: s.overallCompletionRate,
    most_used_skill: s.mostUsedSkill,
    most_used_count: s.mostUsedCount,
    avg_duration_seconds: s.avgDurationSeconds,
    skills_by_usage: s.skillsByUsage,
  };
}

export function legacySkill(m: SkillMetrics): Record<string, unknown> {
  return {
    skill_name: m.skillName,
    total_invocations: m.totalInvocations,
    completed_invocations: m.completedInvocations,
    abandoned_invocations: m.abandonedInvocations,
    total_duration_seconds: m.totalDurationSeconds,
    workflow_paths: m.workflowPaths,
    common_errors: m.commonErrors,
    follow_up_actions: m.followUpActions,
    first_invoked: m.firstInvoked,
    last_invoked: m.lastInvoked,
    completion_rate: m.completionRate,
    avg_duration_seconds: m.avgDurationSeconds,
    p50_duration_seconds: m.p50DurationSeconds,
    p95_duration_seconds: m.p95DurationSeconds,
    p99_duration_seconds: m.p99DurationSeconds,
  };
}

export function legacyInvocation(i: Invocation): Record<string, unknown> {
  return {
    skill_name: i.skillName,
    invoked_at: i.invokedAt,
    workflow_path: i.workflowPath,
    completed: i.completed,
    duration_seconds: i.durationSeconds,
    follow_up_actions: i.followUpActions,
    error_type: i.errorType,
    id: i.id,
    status: i.status,
    completed_at: i.completedAt,
    session_id: i.sessionId,
    project_path: i.projectPath,
  };
}

/** What stands between two invocations in the export's list: each is on a line of its own. */
export const INVOCATION_SEPARATOR = ',\n    ';

/**
 * A run of whole invocations as export text (each `legacyInvocation`'s JSON, `INVOCATION_SEPARATOR`
 * between two, none before the first or after the last), and how many it holds.
 */
export interface ExportChunk {
  text: string | Uint8Array;
  count: number;
}

/** About how much text a chunk holds before it is written, in characters. */
const CHUNK_CHARS = 1 << 20;

/** The export text of invocations as a store lists them, about 1 MB at a time. */
export async function* invocationChunks(invocations: AsyncIterable<Invocation>): AsyncGenerator<ExportChunk> {
  let text = '';
  let count = 0;
  for await (const inv of invocations) {
    text += `${count === 0 ? '' : INVOCATION_SEPARATOR}${JSON.stringify(legacyInvocation(inv))}`;
    count++;
    if (text.length >= CHUNK_CHARS) {
      yield { text, count };
      text = '';
      count = 0;
    }
  }
  if (count > 0) yield { text, count };
}

/** How much the file stream holds before the export waits for the disk: enough to read on meanwhile. */
const STREAM_BUFFER_BYTES = 4 << 20;

/**
 * Writes the export to `path` through a temporary file renamed into place. The invocations arrive
 * as chunks of text and are written as they come, so memory holds a few megabytes whatever the
 * store's size.
 */
export async function writeLegacyExport(
  path: string,
  parts: { summary: MetricsSummary; skills: Iterable<SkillMetrics>; invocations: AsyncIterable<ExportChunk> },
): Promise<ExportResult> {
  const unwritable = (error: unknown) =>
    new InvalidInputError('path', `cannot be written (${(error as Error).message}): ${JSON.stringify(path)}`);
  await mkdir(dirname(path), { recursive: true }).catch((error: unknown) => {
    throw unwritable(error);
  });
  const temporary = `${path}.tmp-${process.pid}-${Date.now()}`;
  const out = createWriteStream(temporary, { highWaterMark: STREAM_BUFFER_BYTES });
  // A failure of the file (a folder in the way, the disk full) is kept, and thrown at the next write.
  let failed: unknown = null;
  out.on('error', (error) => {
    failed = error;
  });
  const write = async (text: string | Uint8Array) => {
    if (failed === null && !out.write(text)) await once(out, 'drain');
    if (failed !== null) throw failed;
  };
  try {
    const indent = (json: string) => json.replace(/\n/g, '\n  ');
    await write(`{\n  "summary": ${indent(JSON.stringify(legacySummary(parts.summary), null, 2))},\n  "skills": {`);
    let skills = 0;
    for (const m of parts.skills) {
      await write(
        `${skills === 0 ? '' : ','}\n    ${JSON.stringify(m.skillName)}: ${JSON.stringify(legacySkill(m), null, 2).replace(/\n/g, '\n    ')}`,
      );
      skills++;
    }
    await write(`${skills === 0 ? '' : '\n  '}},\n  "invocations": [`);
    let invocations = 0;
    for await (const chunk of parts.invocations) {
      if (chunk.count === 0) continue;
      await write(invocations === 0 ? '\n    ' : INVOCATION_SEPARATOR);
      await write(chunk.text);
      invocations += chunk.count;
    }
    await write(`${invocations === 0 ? '' : '\n  '}],\n  "exported_at": ${JSON.stringify(nowTimestamp())}\n}\n`);
    out.end();
    await once(out, 'finish');
    if (failed !== null) throw failed;
    await rename(temporary, path);
    return { path, skills, invocations };
  } catch (error) {
    // Closed first: a file still being opened would otherwise appear after its removal.
    if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()).destroy());
    await rm(temporary, { force: true });
    throw error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code.startsWith('E')
      ? unwritable(error)
      : error;
  }
}
