import { escapeHtml } from '@skill-metrics/dual';
import type { ReportTimeline } from './figures.js';

const PLOT_WIDTH = 720;
const PLOT_HEIGHT = 160;
const AXIS_LEFT = 56;
const AXIS_BOTTOM = 22;
const round = (n: number) => Math.round(n * 100) / 100;

/** A bucket's start as people read it: the day, and the hour for hourly buckets (UTC). */
export function bucketLabel(bucketStart: string, bucket: ReportTimeline['bucket']): string {
  return bucket === 'day' ? bucketStart.slice(0, 10) : `${bucketStart.slice(0, 10)} ${bucketStart.slice(11, 16)}`;
}

/**
 * Finished invocations per bucket as inline SVG columns: one mark per bucket that has any, its
 * completed part below its abandoned part, each with a tooltip. Empty buckets keep their place.
 */
export function timelineChart(t: ReportTimeline): string {
  const buckets = t.buckets;
  const busiest = Math.max(1, ...buckets.map((b) => b.invocations));
  const slot = PLOT_WIDTH / Math.max(1, buckets.length);
  const barWidth = round(Math.max(1, slot > 4 ? slot - 1 : slot));
  // A part with any invocation stays visible beside a much busier bucket.
  const heightOf = (n: number) => (n === 0 ? 0 : round(Math.max(1, (n / busiest) * PLOT_HEIGHT)));
  const marks = buckets
    .map((b, i) => {
      if (b.invocations === 0) return '';
      const x = round(AXIS_LEFT + i * slot);
      const completedHeight = heightOf(b.completed);
      const abandonedHeight = heightOf(b.abandoned);
      const tip = `${bucketLabel(b.bucketStart, t.bucket)}: ${b.invocations.toLocaleString('en')} invocations (${b.completed.toLocaleString('en')} completed, ${b.abandoned.toLocaleString('en')} abandoned)`;
      const completed = completedHeight
        ? `<rect x="${x}" y="${round(PLOT_HEIGHT - completedHeight)}" width="${barWidth}" height="${completedHeight}"></rect>`
        : '';
      const abandoned = abandonedHeight
        ? `<rect class="abandoned" x="${x}" y="${round(PLOT_HEIGHT - completedHeight - abandonedHeight)}" width="${barWidth}" height="${abandonedHeight}"></rect>`
        : '';
      return `<g data-bucket="${escapeHtml(b.bucketStart)}" data-invocations="${b.invocations}" data-completed="${b.completed}" data-abandoned="${b.abandoned}"><title>${escapeHtml(tip)}</title>${completed}${abandoned}</g>`;
    })
    .filter(Boolean)
    .join('\n');
  const first = buckets[0];
  const last = buckets[buckets.length - 1];
  const width = AXIS_LEFT + PLOT_WIDTH + 8;
  const axis = `<line class="axis" x1="${AXIS_LEFT}" y1="${PLOT_HEIGHT + 0.5}" x2="${AXIS_LEFT + PLOT_WIDTH}" y2="${PLOT_HEIGHT + 0.5}"></line>
<text x="${AXIS_LEFT - 6}" y="12" text-anchor="end" data-figure="timeline-busiest">${busiest.toLocaleString('en')}</text>
<text x="${AXIS_LEFT - 6}" y="${PLOT_HEIGHT}" text-anchor="end">0</text>
${first ? `<text x="${AXIS_LEFT}" y="${PLOT_HEIGHT + 17}">${escapeHtml(bucketLabel(first.bucketStart, t.bucket))}</text>` : ''}
${last && last !== first ? `<text x="${AXIS_LEFT + PLOT_WIDTH}" y="${PLOT_HEIGHT + 17}" text-anchor="end">${escapeHtml(bucketLabel(last.bucketStart, t.bucket))}</text>` : ''}`;
  const withData = buckets.filter((b) => b.invocations > 0).length;
  const notShown =
    t.notShown > 0
      ? ` <span data-figure="timeline-not-shown">${t.notShown.toLocaleString('en')}</span> earlier invocations are before the first bucket shown.`
      : '';
  return `<section id="timeline"><h2>Invocations per ${t.bucket} (UTC)</h2>
<p>${buckets.length.toLocaleString('en')} ${t.bucket}s, <span data-figure="timeline-buckets-with-data">${withData.toLocaleString('en')}</span> with finished invocations; <span class="key completed"></span> completed, <span class="key abandoned"></span> abandoned.${notShown}</p>
<svg role="img" aria-label="Finished invocations per ${t.bucket}" width="${width}" height="${PLOT_HEIGHT + AXIS_BOTTOM}">
${marks}
${axis}
</svg></section>`;
}
