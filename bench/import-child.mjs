// A process that imports invocations while the flat-cost benchmark writes live: `<db> <n> <chunk>`.
import { openStore } from '@skill-metrics/core';

const [db, n, chunk] = process.argv.slice(2);
const store = await openStore({ path: db, busyTimeoutMs: 30_000, importChunkSize: Number(chunk) });
const start = Date.now() - 7_200_000;
const batch = Array.from({ length: Number(n) }, (_, i) => ({
  id: `import-${i}`,
  skillName: `imported-${i % 8}`,
  invokedAt: new Date(start + i).toISOString(),
  workflowPath: `path-${i % 50}`,
  completed: i % 9 !== 0,
  durationSeconds: 0.5 + (i % 20) / 4,
  errorType: i % 9 === 0 ? 'TimeoutError' : null,
  followUpActions: i % 3 ? ['git commit'] : [],
  sessionId: `session-${i >> 7}`,
  projectPath: `/work/project-${i % 25}`,
  userContext: null,
}));
process.send?.('importing');
await store.recordInvocations(batch);
await store.close();
