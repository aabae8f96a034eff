import type { MetricsSummary, SkillMetrics } from '../contract/types.js';

const RULE = '='.repeat(60);

/** Seconds as the legacy report showed them (`12.3s`), in milliseconds below a second so short runs do not read 0.0s. */
export function formatSeconds(seconds: number): string {
  return seconds >= 1 || seconds === 0 ? `${seconds.toFixed(1)}s` : `${(seconds * 1000).toFixed(1)}ms`;
}
/** Orders `[key, count]` pairs by count, largest first, ties by key. */
export const byCountDesc = ([a, x]: [string, number], [b, y]: [string, number]) =>
  y - x || (a < b ? -1 : a > b ? 1 : 0);

/**
 * The text report the legacy tracker's `generate_report` printed: totals, the five most used
 * skills, the workflow paths of the top three, and the five most common follow-up actions.
 */
export function formatReport(summary: MetricsSummary, metrics: ReadonlyMap<string, SkillMetrics>): string {
  const lines = [
    RULE,
    'Skill Metrics Report',
    RULE,
    '',
    `Total Skills Tracked: ${summary.totalSkills}`,
    `Total Invocations: ${summary.totalInvocations}`,
    `Overall Completion Rate: ${summary.overallCompletionRate.toFixed(1)}%`,
    `Average Duration: ${formatSeconds(summary.avgDurationSeconds)}`,
    '',
    'Most Used Skills:',
  ];
  for (const [name, count] of summary.skillsByUsage.slice(0, 5)) {
    const m = metrics.get(name);
    if (!m) continue;
    lines.push(
      `  ${name}: ${count} invocations (${m.completionRate.toFixed(1)}% complete, ${formatSeconds(m.avgDurationSeconds)} avg)`,
    );
  }
  lines.push('', 'Workflow Path Preferences:');
  for (const [name] of summary.skillsByUsage.slice(0, 3)) {
    const paths = Object.entries(metrics.get(name)?.workflowPaths ?? {});
    if (paths.length === 0) continue;
    lines.push(`  ${name}:`);
    for (const [path, count] of paths.sort(byCountDesc)) lines.push(`    ${path}: ${count} uses`);
  }
  lines.push('', 'Common Follow-up Actions:');
  const actions = new Map<string, number>();
  for (const m of metrics.values()) {
    for (const [action, count] of Object.entries(m.followUpActions))
      actions.set(action, (actions.get(action) ?? 0) + count);
  }
  for (const [action, count] of [...actions].sort(byCountDesc).slice(0, 5)) lines.push(`  ${action}: ${count}`);
  lines.push('', RULE);
  return lines.join('\n');
}
