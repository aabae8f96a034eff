// The consistency checker: a legacy file of 1,000,000 invocations against its backfilled database,
// against streaming the file alone (the same run), and its peak RSS in a fresh process.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '@skill-metrics/core';
import { checkConsistency } from '@skill-metrics/dual';
import { readLegacyFile } from '@skill-metrics/json-legacy';
import { compare, report, reportValue } from './harness.mjs';
import { streamAll, writeLegacyFile } from './legacy-reader.bench.mjs';

const CHILD = fileURLToPath(new URL('./check-child.mjs', import.meta.url));

export async function run({ quick = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-check-bench-'));
  try {
    const n = quick ? 100_000 : 1_000_000;
    const file = join(dir, 'skill_metrics.json');
    const bytes = writeLegacyFile(file, n);
    const label = `${n.toLocaleString('en')} invocations, ${(bytes / 1e6).toFixed(0)} MB`;
    const dbPath = join(dir, 'metrics.db');
    const db = await openStore({ path: dbPath });
    for await (const batch of readLegacyFile(file, { timeZone: 'UTC' }).batches()) {
      await db.recordInvocations(batch.map((e) => e.invocation));
    }
    const check = async () => {
      const r = await checkConsistency({ legacyFile: file, timeZone: 'UTC' }, db);
      if (!r.ok || r.compared !== n) throw new Error(`the check failed its own file: ${r.verdict}`);
    };
    const rounds = quick ? 3 : 5;
    const r = await compare({ floor: () => streamAll(file, false), candidate: check, ops: 1, rounds, warmup: 1 });
    report(`checkConsistency, ${label} vs its database`, r, 2, 'readLegacyFile alone');
    // What every check must do on top of reading: each entry's id (sha256) and contract view.
    const touched = await compare({
      floor: () => streamAll(file, true),
      candidate: check,
      ops: 1,
      rounds: quick ? 2 : 3,
      warmup: 0,
    });
    report('checkConsistency vs reading with entry.id + entry.invocation', touched, null, 'reader + id + view');
    await db.close();
    const out = JSON.parse(execFileSync(process.execPath, [CHILD, file, dbPath], { encoding: 'utf8' }));
    if (!out.ok || out.compared !== n) throw new Error(`the check in a child process failed: ${JSON.stringify(out)}`);
    reportValue(`peak RSS of a process checking ${label}`, out.maxRssMB, 'MB', 256);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run({ quick: process.argv.includes('--quick') });
