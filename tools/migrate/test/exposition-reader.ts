/**
 * A reader of the Prometheus text format written from its specification, for tests: it checks
 * what a scraper relies on (every sample's family declared before it with HELP and TYPE, label
 * values quoted and escaped) and gives back the samples with their labels unescaped.
 */

export interface ReadSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ReadFamily {
  help: string;
  type: string;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SUFFIXES: Record<string, string[]> = { summary: ['_sum', '_count'], histogram: ['_sum', '_count', '_bucket'] };

function readValue(text: string): number {
  if (text === 'NaN') return Number.NaN;
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  const value = Number(text);
  if (text === '' || Number.isNaN(value)) throw new Error(`not a sample value: ${JSON.stringify(text)}`);
  return value;
}

/** Reads `{a="x",b="y"}` starting at `text[at]` (the brace); returns the labels and where it ended. */
function readLabels(text: string, at: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = at + 1;
  while (text[i] !== '}') {
    const eq = text.indexOf('=', i);
    const name = text.slice(i, eq);
    if (!NAME.test(name) || text[eq + 1] !== '"') throw new Error(`bad label at ${i}: ${text}`);
    let value = '';
    for (i = eq + 2; text[i] !== '"'; i++) {
      if (i >= text.length) throw new Error(`unterminated label value: ${text}`);
      if (text[i] !== '\\') {
        value += text[i];
        continue;
      }
      const escaped = text[++i];
      if (escaped === 'n') value += '\n';
      else if (escaped === '\\' || escaped === '"') value += escaped;
      else throw new Error(`bad escape \\${escaped} in ${text}`);
    }
    if (name in labels) throw new Error(`label ${name} twice: ${text}`);
    labels[name] = value;
    i++;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') throw new Error(`expected , or } at ${i}: ${text}`);
  }
  return { labels, end: i + 1 };
}

export function readExposition(text: string): { families: Map<string, ReadFamily>; samples: ReadSample[] } {
  if (text !== '' && !text.endsWith('\n')) throw new Error('the text must end with a line feed');
  const families = new Map<string, ReadFamily>();
  const helps = new Map<string, string>();
  const samples: ReadSample[] = [];
  let current: string | null = null;
  for (const line of text.split('\n').slice(0, -1)) {
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`bad family name ${name}`);
      if (kind === 'HELP')
        helps.set(
          name,
          rest.replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c)),
        );
      else {
        if (families.has(name)) throw new Error(`family ${name} declared twice`);
        if (!helps.has(name)) throw new Error(`family ${name} has TYPE but no HELP before it`);
        families.set(name, { help: helps.get(name) as string, type: rest });
        current = name;
      }
      continue;
    }
    if (line.startsWith('#') || line === '') continue;
    const brace = line.search(/[{ ]/);
    const name = line.slice(0, brace);
    let labels: Record<string, string> = {};
    let rest = line.slice(brace);
    if (line[brace] === '{') {
      const read = readLabels(line, brace);
      labels = read.labels;
      rest = line.slice(read.end);
    }
    if (!rest.startsWith(' ')) throw new Error(`expected a space before the value: ${line}`);
    const family = current === null ? undefined : families.get(current);
    const allowed = [current, ...(SUFFIXES[family?.type ?? ''] ?? []).map((s) => `${current}${s}`)];
    if (!allowed.includes(name)) throw new Error(`sample ${name} outside its family (current ${current})`);
    samples.push({ name, labels, value: readValue(rest.slice(1)) });
  }
  return { families, samples };
}
