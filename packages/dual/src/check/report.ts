import { formatEpochMs } from '@skill-metrics/core/contract';
import { type Difference, type DifferenceClass, type DifferenceTally, FAILING_CLASSES } from './differences.js';
import { renderHtml } from './html.js';

export interface SideInfo {
  kind: 'legacy-file' | 'store';
  /** The file's path, or the store's kind. */
  name: string;
  invocations: number;
}

/** The report as JSON: what machines read (`version` changes when its shape does). */
export interface ConsistencyJson {
  version: 1;
  ok: boolean;
  /** Why `ok` is false, in words; `null` when it is true. */
  verdict: string | null;
  left: SideInfo;
  right: SideInfo;
  /** Invocations found on both sides and compared field by field. */
  compared: number;
  counts: Partial<Record<DifferenceClass, number>>;
  bySkill: Record<string, Partial<Record<DifferenceClass, number>>>;
  samples: Partial<Record<DifferenceClass, Difference[]>>;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
}

const record = <V>(map: Map<string, V>) =>
  Object.fromEntries([...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** What `checkConsistency` found: `ok`, the counts by class, samples of each, and three renderings. */
export class ConsistencyReport {
  readonly ok: boolean;
  readonly verdict: string | null;
  readonly left: SideInfo;
  readonly right: SideInfo;
  readonly compared: number;
  readonly counts: Partial<Record<DifferenceClass, number>>;
  readonly bySkill: Record<string, Partial<Record<DifferenceClass, number>>>;
  /** A few differences of each class (see `CheckOptions.maxSamples`). */
  readonly differences: Difference[];
  readonly #json: ConsistencyJson;

  constructor(r: {
    left: SideInfo;
    right: SideInfo;
    compared: number;
    tally: DifferenceTally;
    startedAt: number;
    finishedAt: number;
  }) {
    const failing = r.tally.failing;
    const nothingCompared = r.compared === 0 && (r.left.invocations > 0 || r.right.invocations > 0);
    this.ok = failing === 0 && !nothingCompared;
    this.verdict = nothingCompared
      ? `no invocation was found on both sides (left ${r.left.invocations}, right ${r.right.invocations}): nothing was compared`
      : failing > 0
        ? `${failing} difference(s): ${FAILING_CLASSES.filter((c) => r.tally.counts.has(c))
            .map((c) => `${r.tally.counts.get(c)} ${c}`)
            .join(', ')}`
        : null;
    this.left = r.left;
    this.right = r.right;
    this.compared = r.compared;
    this.counts = record(r.tally.counts) as ConsistencyJson['counts'];
    this.bySkill = Object.fromEntries(
      [...r.tally.bySkill].sort(([a], [b]) => (a < b ? -1 : 1)).map(([skill, counts]) => [skill, record(counts)]),
    );
    const samples = record(r.tally.samples) as ConsistencyJson['samples'];
    this.differences = Object.values(samples).flat() as Difference[];
    this.#json = {
      version: 1,
      ok: this.ok,
      verdict: this.verdict,
      left: r.left,
      right: r.right,
      compared: r.compared,
      counts: this.counts,
      bySkill: this.bySkill,
      samples,
      startedAt: formatEpochMs(r.startedAt),
      finishedAt: formatEpochMs(r.finishedAt),
      durationMs: r.finishedAt - r.startedAt,
    };
  }

  toJSON(): ConsistencyJson {
    return structuredClone(this.#json);
  }

  /** For people and CI logs: the verdict, the counts, and the samples. */
  toMarkdown(): string {
    const j = this.#json;
    const lines = [
      `# Consistency check: ${j.ok ? 'consistent' : 'DIFFERENCES'}`,
      '',
      `- left: ${j.left.kind} \`${j.left.name}\`, ${j.left.invocations.toLocaleString('en')} invocations`,
      `- right: ${j.right.kind} \`${j.right.name}\`, ${j.right.invocations.toLocaleString('en')} invocations`,
      `- compared field by field: ${j.compared.toLocaleString('en')}`,
      `- checked ${j.startedAt} in ${(j.durationMs / 1000).toFixed(1)} s`,
      ...(j.verdict ? ['', `**${j.verdict}**`] : []),
      '',
      '| class | count |',
      '| --- | ---: |',
      ...Object.entries(j.counts).map(([c, n]) => `| ${c} | ${n} |`),
    ];
    if (Object.keys(j.counts).length === 0) lines.push('| (none) | 0 |');
    for (const [c, samples] of Object.entries(j.samples)) {
      lines.push('', `## ${c}`, '');
      for (const d of samples ?? []) {
        const where = [d.id && `invocation \`${d.id}\``, d.skillName && `skill \`${d.skillName}\``, d.what]
          .filter(Boolean)
          .join(', ');
        lines.push(`- ${where}${d.count !== undefined ? ` (${d.count})` : ''}`);
        for (const f of d.diff?.slice(0, 5) ?? []) {
          lines.push(`  - \`${f.path || '/'}\`: ${JSON.stringify(f.primary)} ≠ ${JSON.stringify(f.secondary)}`);
        }
      }
    }
    return `${lines.join('\n')}\n`;
  }

  /** A self-contained page (no network): the verdict, the figures, and charts by class and by skill. */
  toHtml(): string {
    return renderHtml(this.#json);
  }
}
