import type { ConsistencyJson } from './report.js';

/** Text safe inside HTML elements and quoted attribute values. */
export const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

/** Horizontal bars, one per row, as inline SVG: no script, no network. */
export function barChart(id: string, title: string, rows: Array<[string, number]>): string {
  if (rows.length === 0) return `<section id="${id}"><h2>${escapeHtml(title)}</h2><p>None.</p></section>`;
  const max = Math.max(...rows.map(([, n]) => n), 1);
  const rowHeight = 26;
  const labelWidth = 260;
  const barWidth = 420;
  const body = rows
    .map(([label, n], i) => {
      const y = i * rowHeight;
      const w = Math.max(2, Math.round((n / max) * barWidth));
      return `<g data-label="${escapeHtml(label)}" data-count="${n}">
  <text x="${labelWidth - 8}" y="${y + 17}" text-anchor="end">${escapeHtml(label)}</text>
  <rect x="${labelWidth}" y="${y + 4}" width="${w}" height="18" rx="2"></rect>
  <text x="${labelWidth + w + 6}" y="${y + 17}">${n.toLocaleString('en')}</text>
</g>`;
    })
    .join('\n');
  return `<section id="${id}"><h2>${escapeHtml(title)}</h2>
<svg role="img" aria-label="${escapeHtml(title)}" width="${labelWidth + barWidth + 90}" height="${rows.length * rowHeight + 4}">
${body}
</svg></section>`;
}

/** The house style of the project's pages: type, tables, figures, `barChart`'s bars. */
export const PAGE_STYLE = `body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1d2430}
h1{font-size:1.5rem} .ok{color:#11703a} .bad{color:#a4161a}
table{border-collapse:collapse;margin:1rem 0} th,td{border-bottom:1px solid #dde1e6;padding:.3rem .7rem;text-align:left}
td[data-figure]{text-align:right;font-variant-numeric:tabular-nums}
svg text{font:13px system-ui,sans-serif;fill:#1d2430} svg rect{fill:#3d6fb6}`;

/** The consistency report as one HTML page, everything inline. */
export function renderHtml(j: ConsistencyJson): string {
  const byClass = Object.entries(j.counts) as Array<[string, number]>;
  const bySkill = Object.entries(j.bySkill)
    .map(([skill, counts]) => [skill, Object.values(counts).reduce((a, b) => a + (b ?? 0), 0)] as [string, number])
    .sort((a, b) => b[1] - a[1])
    .slice(0, 30);
  const samples = Object.entries(j.samples)
    .map(
      ([c, list]) =>
        `<h3>${escapeHtml(c)}</h3><ul>${(list ?? [])
          .map((d) => {
            const where = [d.id && `invocation ${d.id}`, d.skillName && `skill ${d.skillName}`, d.what]
              .filter(Boolean)
              .join(', ');
            const diff = (d.diff ?? [])
              .slice(0, 5)
              .map(
                (f) =>
                  `<li><code>${escapeHtml(f.path || '/')}</code>: ${escapeHtml(JSON.stringify(f.primary) ?? 'undefined')} ≠ ${escapeHtml(JSON.stringify(f.secondary) ?? 'undefined')}</li>`,
              )
              .join('');
            return `<li>${escapeHtml(where)}${d.count !== undefined ? ` (${d.count})` : ''}${diff ? `<ul>${diff}</ul>` : ''}</li>`;
          })
          .join('')}</ul>`,
    )
    .join('\n');
  const side = (name: string, s: ConsistencyJson['left']) =>
    `<tr><th>${name}</th><td>${escapeHtml(s.kind)}</td><td><code>${escapeHtml(s.name)}</code></td><td data-figure="${name}-invocations">${s.invocations}</td></tr>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Consistency check: ${j.ok ? 'consistent' : 'differences'}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
${PAGE_STYLE}
#by-class rect{fill:#b8503d} code{font-size:.9em}
</style></head>
<body>
<h1 class="${j.ok ? 'ok' : 'bad'}" data-figure="ok" data-value="${j.ok}">${j.ok ? 'Consistent' : 'Differences found'}</h1>
${j.verdict ? `<p class="bad" data-figure="verdict">${escapeHtml(j.verdict)}</p>` : ''}
<table>
<tr><th></th><th>kind</th><th>source</th><th>invocations</th></tr>
${side('left', j.left)}
${side('right', j.right)}
<tr><th>compared</th><td colspan="2">field by field</td><td data-figure="compared">${j.compared}</td></tr>
</table>
<p>Checked ${escapeHtml(j.startedAt)} in ${(j.durationMs / 1000).toFixed(1)} s.</p>
${barChart('by-class', 'Differences by class', byClass)}
${barChart('by-skill', 'Differences by skill', bySkill)}
<section id="samples"><h2>Samples</h2>${samples || '<p>None.</p>'}</section>
<script type="application/json" id="report-json">${JSON.stringify(j).replace(/</g, '\\u003c')}</script>
</body></html>
`;
}
