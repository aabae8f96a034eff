import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

/**
 * The other process: it opens the database, takes its write lock (`BEGIN IMMEDIATE`), says so, and
 * keeps it until its stdin closes. Run with `node -e`, so that it needs no file of its own in the
 * package; better-sqlite3 is passed as a path resolved from here.
 */
const HOLDER = `
const Database = require(process.argv[1]);
const db = new Database(process.argv[2]);
db.exec('BEGIN IMMEDIATE');
process.stdout.write('locked\\n');
process.stdin.resume();
process.stdin.on('end', () => { db.exec('COMMIT'); db.close(); });
`;

/** A second process holding the database's write lock; `release()` ends it. */
export interface LockHolder {
  pid: number;
  release(): Promise<void>;
}

/** Starts a process that holds `dbPath`'s write lock; resolves once it holds it. */
export function holdWriteLock(dbPath: string): Promise<LockHolder> {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const child = spawn(process.execPath, ['-e', HOLDER, driver, dbPath], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const failed = (why: string) => reject(new Error(`the process holding the database's lock ${why}: ${stderr}`));
    child.once('error', (error) => failed(error.message));
    exited.then((code) => failed(`exited with ${code}`));
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      if (!text.includes('locked')) return;
      resolve({
        pid: child.pid as number,
        async release() {
          child.stdin.end();
          const code = await exited;
          if (code !== 0) throw new Error(`the process holding the database's lock exited with ${code}: ${stderr}`);
        },
      });
    });
  });
}
