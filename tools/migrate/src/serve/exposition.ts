/**
 * The Prometheus text exposition format, version 0.0.4: families of samples, each family with its
 * `# HELP` and `# TYPE` lines before its samples.
 */

export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type MetricType = 'counter' | 'gauge' | 'summary';

/** A label value as the format quotes it: backslash, double quote and line feed escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/** HELP text escapes backslash and line feed only. */
const escapeHelp = (text: string) => text.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'));

/** A sample value: Go's float syntax, with `NaN`, `+Inf` and `-Inf` spelled as the format wants. */
export function formatSampleValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

/** One label of a sample, `name="value"`, the value escaped. */
export const label = (name: string, value: string) => `${name}="${escapeLabelValue(value)}"`;

/** One sample's line; `labels` are `label`s joined by commas (made once when samples share them), or ''. */
export function sampleLine(name: string, labels: string, value: number): string {
  return `${labels === '' ? name : `${name}{${labels}}`} ${formatSampleValue(value)}\n`;
}

/** Builds an exposition text family by family; `bytes()` gives it whole. */
export class Exposition {
  // Joined once, at the end: one copy of each piece. Pieces may come encoded already (`samples`).
  readonly #parts: Array<string | Uint8Array> = [];

  /** Starts a family: its HELP and TYPE lines. Its samples follow, before the next family. */
  family(name: string, type: MetricType, help: string): this {
    this.#parts.push(`# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`);
    return this;
  }

  /** One sample (see `sampleLine`). */
  sample(name: string, labels: string, value: number): this {
    this.#parts.push(sampleLine(name, labels, value));
    return this;
  }

  /** Sample lines made before, in UTF-8, for the family begun last. */
  samples(lines: Uint8Array): this {
    this.#parts.push(lines);
    return this;
  }

  /** The text as UTF-8, what is sent. */
  bytes(): Buffer {
    return Buffer.concat(this.#parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
  }
}
