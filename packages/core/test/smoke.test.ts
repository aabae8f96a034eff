import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@skill-metrics/core';
import { expect, test } from 'vitest';

test('smoke', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sm-'));
  const store = await openStore({ path: join(dir, 'a.db') });
  const h = await store.trackInvocation('x', { workflowPath: 'a.b' });
  await h.complete({ followUpActions: ['git commit'] });
  const h2 = await store.trackInvocation('x');
  await h2.complete({ completed: false, errorType: 'E' });
  console.log(await store.getSkillMetrics('x'));
  console.log(await store.getSummary());
  for await (const i of store.listInvocations()) console.log(i);
  await expect(h2.complete()).rejects.toThrow(/already/);
  await store.close();
});
