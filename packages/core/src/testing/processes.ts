import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, truncateSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * `@skill-metrics/core/testing/process`: real OS processes for the stores' concurrency tests. The
 * test starts workers with `startWorker`; each worker calls `waitForGo` first, so that several can be
 * released at the same moment; `freePort` gives a port for a server a test starts. No vitest here:
 * workers import it.
 */

export interface Worker {
  child: ChildProcess;
  /** Resolves with the worker's stdout lines once it exits with code 0. */
  done: Promise<string[]>;
  /** Resolves when the worker prints `line`. */
  printed(line: string): Promise<void>;
  /** Lets a waiting worker start. */
  go(): void;
}

/** Starts the TypeScript `script` in its own Node process (through tsx, on the packages' sources). */
export function startWorker(script: URL, args: string[]): Worker {
  const path = fileURLToPath(script);
  const child = spawn(process.execPath, ['--conditions', 'dev-source', '--import', 'tsx', path, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters = new Map<string, () => void>();
  let stderr = '';
  let buffer = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      lines.push(line);
      waiters.get(line)?.();
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const done = new Promise<string[]>((resolve, reject) => {
    child.on('exit', (code, signal) => {
      if (code === 0) resolve(lines);
      else reject(new Error(`${path} ${args.join(' ')} exited with ${code ?? signal}: ${stderr}`));
    });
  });
  return {
    child,
    done,
    printed: (line) =>
      lines.includes(line)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            waiters.set(line, resolve);
            done.then(() => reject(new Error(`${path} exited before printing ${line}`)), reject);
          }),
    go: () => child.stdin?.end('go\n'),
  };
}

/** Releases every worker at once, after all of them have loaded their modules; resolves with their output. */
export async function releaseTogether(workers: Worker[]): Promise<string[][]> {
  await Promise.all(workers.map((w) => w.printed('ready')));
  for (const w of workers) w.go();
  return Promise.all(workers.map((w) => w.done));
}

/** In a worker: says `ready`, then waits for the test's go (a line on stdin). */
export function waitForGo(): Promise<void> {
  return new Promise<void>((resolve) => {
    const lines = createInterface({ input: process.stdin });
    lines.once('line', () => {
      lines.close();
      resolve();
    });
    process.stdout.write('ready\n');
  });
}

/**
 * The lines killed processes appended to the log at `path`, each whole. A line a process was killed
 * in the middle of writing is cut off the file, so that the next process's first line starts on a
 * line of its own instead of finishing the torn one. Call it after each kill.
 */
export function wholeLines(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  const end = text.lastIndexOf('\n') + 1;
  const whole = text.slice(0, end);
  if (end < text.length) truncateSync(path, Buffer.byteLength(whole));
  return whole.split('\n').filter(Boolean);
}

/** A TCP port on 127.0.0.1 that nothing listens on now, for a server a test starts. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
      .once('error', reject)
      .listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
  });
}
