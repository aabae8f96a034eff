import { openStore } from '@skill-metrics/core';

const url = 'postgres://postgres@127.0.0.1:5432/test';
const schema = 'scratch_review_' + Date.now();
const pg = await openStore({ url, schema });
const sq = await openStore({ path: '/tmp/rv/a-' + Date.now() + '.db' });
async function both(label, fn) {
  for (const [n, s] of [
    ['sqlite', sq],
    ['pg', pg],
  ]) {
    try {
      console.log(label, n, JSON.stringify(await fn(s)).slice(0, 300));
    } catch (e) {
      console.log(label, n, 'ERR', e.constructor.name, (e.message || '').slice(0, 160));
    }
  }
}
const base = { invokedAt: '2026-01-01T00:00:00Z', completed: true, durationSeconds: 1 };
await both('nul-skill', (s) => s.recordInvocation({ ...base, id: 'n1', skillName: 'a\u0000b' }));
await both('nul-path', (s) => s.recordInvocation({ ...base, id: 'n2', skillName: 'x', workflowPath: 'p\u0000q' }));
await both('nul-ctx', (s) => s.recordInvocation({ ...base, id: 'n3', skillName: 'x', userContext: { k: 'v\u0000' } }));
await both('nul-action', (s) =>
  s.recordInvocation({ ...base, id: 'n4', skillName: 'x', followUpActions: ['a\u0000'] }),
);
await both('longword', (s) =>
  s.recordInvocation({ ...base, id: 'l1', skillName: 'x', workflowPath: 'a'.repeat(3000) }),
);
await both('longsearch', (s) => s.searchWorkflowPaths('b'.repeat(3000)));
await both('ctx-order', async (s) => {
  await s.recordInvocation({ ...base, id: 'c1', skillName: 'x', userContext: { zz: 1, a: 2, bbb: { y: 1, x: 2 } } });
  return (await s.getInvocation('c1')).userContext;
});
await both('ctx-num', async (s) => {
  await s.recordInvocation({
    ...base,
    id: 'c2',
    skillName: 'x',
    userContext: { n: 1e21, m: 0.1, big: 123456789012345678901234567890 },
  });
  return (await s.getInvocation('c2')).userContext;
});
await pg.close();
await sq.close();
