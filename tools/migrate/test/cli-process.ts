/** The `skill-metrics` CLI in its own OS process (through tsx, on the packages' sources), for tests. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

/** A pattern a line must match, or a test of each line in turn. */
export type LineMatch = RegExp | ((line: string) => boolean);

const matches = (wanted: LineMatch, line: string) => (typeof wanted === 'function' ? wanted(line) : wanted.test(line));

export interface CliRun {
  child: ChildProcess;
  /** What it printed so far, line by line. */
  stdout: string[];
  stderr: string[];
  /** Resolves when it has printed a line that `wanted` matches on `stream`; rejects if it exits first. */
  printed(stream: 'stdout' | 'stderr', wanted: LineMatch): Promise<string>;
  /** Resolves with its exit code (or signal) and everything it printed, as text. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Starts `skill-metrics ...args` with stdout and stderr piped (no terminal), `env` added to the test's. */
export function startCli(args: string[], env: Record<string, string> = {}): CliRun {
  const child = spawn(process.execPath, ['--conditions', 'dev-source', '--import', 'tsx', CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  const text = { stdout: '', stderr: '' };
  const lines = { stdout: [] as string[], stderr: [] as string[] };
  const waiters: Array<{ stream: 'stdout' | 'stderr'; wanted: LineMatch; resolve: (line: string) => void }> = [];
  const exit = new Promise<Awaited<CliRun['exit']>>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, ...text }));
  });
  for (const stream of ['stdout', 'stderr'] as const) {
    let partial = '';
    child[stream]?.setEncoding('utf8').on('data', (chunk: string) => {
      text[stream] += chunk;
      partial += chunk;
      for (let i = partial.indexOf('\n'); i >= 0; i = partial.indexOf('\n')) {
        const line = partial.slice(0, i);
        partial = partial.slice(i + 1);
        lines[stream].push(line);
        for (let w = waiters.length - 1; w >= 0; w--) {
          const waiter = waiters[w] as (typeof waiters)[number];
          if (waiter.stream === stream && matches(waiter.wanted, line)) {
            waiters.splice(w, 1);
            waiter.resolve(line);
          }
        }
      }
    });
  }
  return {
    child,
    ...lines,
    printed: (stream, wanted) => {
      const seen = lines[stream].find((line) => matches(wanted, line));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise<string>((resolve, reject) => {
        waiters.push({ stream, wanted, resolve });
        exit.then((e) =>
          reject(
            new Error(`the CLI exited (${e.code ?? e.signal}) before printing ${wanted}:\n${e.stdout}${e.stderr}`),
          ),
        );
      });
    },
    exit,
  };
}

/** A number the CLI printed with thousands separators, after `label`. */
export function printedCount(output: string, label: RegExp): number {
  const match = new RegExp(`${label.source}\\s*([\\d,]+)`).exec(output);
  if (!match) throw new Error(`no ${label} in:\n${output}`);
  return Number((match[1] as string).replace(/,/g, ''));
}
