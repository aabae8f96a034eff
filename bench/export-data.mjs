// A database for the export benchmark: `n` invocations imported through the store, so that its
// figures are the store's own. Most text is plain ASCII, as real skill names and paths are; one
// invocation in 97 carries the shapes that cost more to write: Unicode and emoji, quotes,
// backslashes. Pending, abandoned and completed ones, nulls, follow-up actions and user context all occur.
import { openStore } from '@skill-metrics/core';

const SKILLS = ['crackerjack-run', 'pytest-runner', 'ruff-check', 'session-checkpoint', 'git-commit', 'mypy'];
const ODD_SKILLS = ['zürich-build', '🚀-deploy', 'say "hi"', 'back\\slash'];
const PATHS = [null, 'quick', 'comprehensive', 'daily', 'pre-commit'];
const ODD_PATHS = ['daily/über', 'emoji 🎉 path', 'v1.2 [x] "$ref"'];
const ACTIONS = [[], ['git commit'], ['git commit', 'pytest -x'], []];
const ODD_ACTIONS = [['部署'], ['say "done"', 'tab\tthere']];

/** The `i`-th invocation of the benchmark's data, as `recordInvocations` takes it. */
export function exportInvocation(i, t0 = Date.parse('2025-01-01T00:00:00Z')) {
  const odd = i % 97 === 0;
  const pending = i % 101 === 0;
  const completed = !pending && i % 7 !== 0;
  const micros = String((i * 7919) % 1_000_000).padStart(6, '0');
  const pick = (plain, unusual) => (odd ? unusual[i % unusual.length] : plain[i % plain.length]);
  return {
    id: `0190${i.toString(16).padStart(28, '0')}`.replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-'),
    skillName: pick(SKILLS, ODD_SKILLS),
    invokedAt: `${new Date(t0 + i * 1000).toISOString().slice(0, 19)}.${micros}Z`,
    workflowPath: pick(PATHS, ODD_PATHS),
    completed,
    durationSeconds: pending ? null : 0.25 + ((i * 7919) % 100_000) / 1000.123,
    errorType: pending || completed ? null : i % 2 ? 'TimeoutError' : '[Errno 2] "no such file"',
    followUpActions: pending ? [] : pick(ACTIONS, ODD_ACTIONS),
    sessionId: i % 3 === 0 ? null : `session-${i >> 8}`,
    projectPath: i % 4 === 0 ? null : `/work/project-${i % 25}`,
    userContext: i % 5 === 0 ? { query: `q ${i}`, rank: i % 3 } : null,
  };
}

/** Builds the database at `path` with `n` invocations, imported in large batches. */
export async function makeExportDatabase(path, n) {
  const store = await openStore({ path, importChunkSize: 20_000 });
  const batch = 100_000;
  for (let from = 0; from < n; from += batch) {
    const invocations = [];
    for (let i = from; i < Math.min(n, from + batch); i++) invocations.push(exportInvocation(i));
    await store.recordInvocations(invocations);
  }
  await store.close();
}
