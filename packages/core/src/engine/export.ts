import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InvalidInputError } from '../contract/errors.js';
import { nowTimestamp } from '../contract/time.js';
import type { Invocation, MetricsSummary, SkillMetrics } from '../contract/types.js';

/**
 * The legacy tracker's `export_metrics` JSON: `{ summary, skills, invocations, exported_at }` with its
 * snake_case keys. Additions are marked: percentiles per skill; id, status, completed_at, session and
 * project per invocation. Times are canonical UTC rather than naive local.
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

/**
 * Writes the export to `path` through a temporary file renamed into place, streaming the
 * invocations so that no more than one of them is held at a time.
 */
export async function writeLegacyExport(
  path: string,
  parts: { summary: MetricsSummary; skills: Iterable<SkillMetrics>; invocations: AsyncIterable<Invocation> },
): Promise<void> {
  const unwritable = (error: unknown) =>
    new InvalidInputError('path', `cannot be written (${(error as Error).message}): ${JSON.stringify(path)}`);
  await mkdir(dirname(path), { recursive: true }).catch((error: unknown) => {
    throw unwritable(error);
  });
  const temporary = `${path}.tmp-${process.pid}-${Date.now()}`;
  const out = createWriteStream(temporary, { encoding: 'utf8' });
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  try {
    const indent = (json: string) => json.replace(/\n/g, '\n  ');
    await write(`{\n  "summary": ${indent(JSON.stringify(legacySummary(parts.summary), null, 2))},\n  "skills": {`);
    let first = true;
    for (const m of parts.skills) {
      await write(
        `${first ? '' : ','}\n    ${JSON.stringify(m.skillName)}: ${JSON.stringify(legacySkill(m), null, 2).replace(/\n/g, '\n    ')}`,
      );
      first = false;
    }
    await write(`${first ? '' : '\n  '}},\n  "invocations": [`);
    first = true;
    for await (const inv of parts.invocations) {
      await write(
        `${first ? '' : ','}\n    ${JSON.stringify(legacyInvocation(inv), null, 2).replace(/\n/g, '\n    ')}`,
      );
      first = false;
    }
    await write(`${first ? '' : '\n  '}],\n  "exported_at": ${JSON.stringify(nowTimestamp())}\n}\n`);
    out.end();
    await once(out, 'finish');
    await rename(temporary, path);
  } catch (error) {
    out.destroy();
    await rm(temporary, { force: true });
    throw error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code.startsWith('E')
      ? unwritable(error)
      : error;
  }
}
