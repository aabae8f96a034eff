import { type AnalyticsStore, formatSeconds, type SkillMetrics } from '@skill-metrics/core';
import { barChart, escapeHtml, PAGE_STYLE } from '@skill-metrics/dual';
import { gatherReportFigures, type ReportFigures } from './figures.js';
import { timelineChart } from './timeline-chart.js';

/** The metrics report of a store as one self-contained HTML page (what `report --html` writes). */
export async function reportPage(store: AnalyticsStore): Promise<string> {
  return renderReportPage(await gatherReportFigures(store));
}

const count = (n: number) => n.toLocaleString('en');
const percent = (rate: number) => `${rate.toFixed(1)}%`;
const seconds = (s: number | null) => (s === null ? '—' : formatSeconds(s));

/**
 * A figure as shown (`text`) with its exact value beside it (`data-value`), so that what the page
 * says can be checked against the store.
 */
function figure(tag: 'dd' | 'td', name: string, value: number | string | null, text: string): string {
  return `<${tag} data-figure="${name}" data-value="${value === null ? '' : escapeHtml(String(value))}">${escapeHtml(text)}</${tag}>`;
}

function summaryList(f: ReportFigures): string {
  const s = f.summary;
  const item = (label: string, name: string, value: number | string | null, text: string) =>
    `<div><dt>${label}</dt>${figure('dd', name, value, text)}</div>`;
  const mostUsed =
    s.mostUsedSkill === null
      ? item('Most used', 'most-used', null, '—')
      : `<div><dt>Most used</dt>${figure('dd', 'most-used', s.mostUsedSkill, s.mostUsedSkill)}${figure('dd', 'most-used-count', s.mostUsedCount, `${count(s.mostUsedCount)} invocations`)}</div>`;
  return `<dl class="summary">
${item('Skills', 'skills', s.totalSkills, count(s.totalSkills))}
${item('Invocations', 'invocations', s.totalInvocations, count(s.totalInvocations))}
${item('Completion rate', 'completion-rate', s.overallCompletionRate, percent(s.overallCompletionRate))}
${item('Average duration', 'average-duration', s.avgDurationSeconds, seconds(s.avgDurationSeconds))}
${mostUsed}
</dl>`;
}

function skillRow(m: SkillMetrics): string {
  return `<tr data-skill="${escapeHtml(m.skillName)}"><th scope="row">${escapeHtml(m.skillName)}</th>
${figure('td', 'invocations', m.totalInvocations, count(m.totalInvocations))}${figure('td', 'completed', m.completedInvocations, count(m.completedInvocations))}${figure('td', 'abandoned', m.abandonedInvocations, count(m.abandonedInvocations))}${figure('td', 'completion-rate', m.completionRate, percent(m.completionRate))}${figure('td', 'average', m.avgDurationSeconds, seconds(m.avgDurationSeconds))}${figure('td', 'p50', m.p50DurationSeconds, seconds(m.p50DurationSeconds))}${figure('td', 'p95', m.p95DurationSeconds, seconds(m.p95DurationSeconds))}${figure('td', 'p99', m.p99DurationSeconds, seconds(m.p99DurationSeconds))}</tr>`;
}

function skillTable(skills: readonly SkillMetrics[]): string {
  if (skills.length === 0)
    return '<section id="skills"><h2>Skills</h2><p>No skill has finished an invocation yet.</p></section>';
  return `<section id="skills"><h2>Skills</h2><div class="wide"><table>
<thead><tr><th>skill</th><th>invocations</th><th>completed</th><th>abandoned</th><th>completion rate</th><th>average</th><th>p50</th><th>p95</th><th>p99</th></tr></thead>
<tbody>
${skills.map(skillRow).join('\n')}
</tbody></table></div>
<p class="note">Durations are of completed invocations; percentiles within 1 % of the exact value.</p></section>`;
}

const REPORT_STYLE = `dl.summary{display:grid;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:.75rem;margin:1rem 0}
dl.summary div{border:1px solid #dde1e6;border-radius:4px;padding:.5rem .75rem}
dt{font-size:.8rem;color:#5b6472} dd{margin:0;font-size:1.25rem;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
dd+dd{font-size:.9rem;color:#5b6472} .wide{overflow-x:auto} .note{font-size:.85rem;color:#5b6472}
tbody th{font-weight:normal;overflow-wrap:anywhere} svg rect.abandoned{fill:#b8503d} svg line.axis{stroke:#8a93a0}
.key{display:inline-block;width:.8em;height:.8em;vertical-align:-.05em} .key.completed{background:#3d6fb6} .key.abandoned{background:#b8503d}
#errors rect{fill:#b8503d}`;

/** The report page from its figures: pure, everything inline (no script, no request of any kind). */
export function renderReportPage(f: ReportFigures): string {
  const timeline = f.timeline
    ? timelineChart(f.timeline)
    : '<section id="timeline"><h2>Invocations over time</h2><p>No finished invocation yet.</p></section>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Skill metrics report</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
${PAGE_STYLE}
${REPORT_STYLE}
</style></head>
<body>
<h1>Skill metrics report</h1>
<p>As of <time datetime="${escapeHtml(f.generatedAt)}">${escapeHtml(f.generatedAt)}</time>; figures count finished invocations (pending ones count nowhere yet).</p>
${summaryList(f)}
${skillTable(f.skills)}
${timeline}
${barChart('workflow-paths', 'Top workflow paths', f.workflowPaths)}
${barChart('errors', 'Most common errors', f.errors)}
${barChart('follow-up-actions', 'Most common follow-up actions', f.followUpActions)}
</body></html>
`;
}
