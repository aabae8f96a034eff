import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WRITER = fileURLToPath(new URL('./workers/writer.ts', import.meta.url));

export interface Worker {
  child: ChildProcess;
  /** Resolves with the worker's stdout lines once it exits with code 0. */
  done: Promise<string[]>;
  /** Resolves when the worker prints `line`. */
  printed(line: string): Promise<void>;
  /** Lets a waiting worker start. */
  go(): void;
}

/** Starts `writer.ts` in its own Node process, running the TypeScript sources. */
export function startWriter(args: string[]): Worker {
  const child = spawn(process.execPath, ['--conditions', 'dev-source', '--import', 'tsx', WRITER, ...args], {
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
      else reject(new Error(`writer ${args.join(' ')} exited with ${code ?? signal}: ${stderr}`));
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
            done.then(() => reject(new Error(`writer exited before printing ${line}`)), reject);
          }),
    go: () => child.stdin?.end('go\n'),
  };
}
