import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../contract/errors.js';
import type { AnalyticsStore } from '../../contract/types.js';
import type { OpenAnalyticsStore } from '../analytics.js';
import { item } from '../builders.js';

/** Workflow-path search: word prefixes, all words required, any text a safe query. */
export function describeSearch(open: OpenAnalyticsStore): void {
  describe('workflow-path search', () => {
    const seed = async (store: AnalyticsStore) => {
      const runs: Array<[string, string, number]> = [
        ['crackerjack-run', 'comprehensive', 5],
        ['crackerjack-run', 'quick', 2],
        ['pytest-runner', 'comprehensive-coverage', 7],
        ['deploy', 'deploy prod v1.2', 3],
        ['deploy', 'deploy staging', 1],
        ['docs', 'déploiement 🚀 rapide', 1],
      ];
      for (const [skillName, workflowPath, times] of runs) {
        await store.recordInvocations(Array.from({ length: times }, () => item({ skillName, workflowPath })));
      }
    };

    it('finds by word prefix, ranked by use', async () => {
      const store = await open();
      await seed(store);
      expect(await store.searchWorkflowPaths('comp')).toEqual([
        { skillName: 'pytest-runner', workflowPath: 'comprehensive-coverage', invocationCount: 7 },
        { skillName: 'crackerjack-run', workflowPath: 'comprehensive', invocationCount: 5 },
      ]);
      expect(await store.searchWorkflowPaths('quick')).toEqual([
        { skillName: 'crackerjack-run', workflowPath: 'quick', invocationCount: 2 },
      ]);
      expect(await store.searchWorkflowPaths('comp', { limit: 1 })).toHaveLength(1);
    });

    it('folds path and query alike: compatibility forms, case, diacritics; CJK runs are words, emoji are not', async () => {
      const store = await open();
      await store.recordInvocations(
        ['ｆｕｌｌｗｉｄｔｈ mode', 'Déploiement rapide', '测试 run', '🚀 launch', 'ΣΥΣΤΗΜΑ ς'].map((workflowPath, i) =>
          item({ id: `fold-${i}`, skillName: 'fold', workflowPath }),
        ),
      );
      const paths = async (query: string) => (await store.searchWorkflowPaths(query)).map((m) => m.workflowPath);
      expect(await paths('full')).toEqual(['ｆｕｌｌｗｉｄｔｈ mode']);
      expect(await paths('ｆｕｌｌ')).toEqual(['ｆｕｌｌｗｉｄｔｈ mode']);
      expect(await paths('DEPLOIEMENT')).toEqual(['Déploiement rapide']);
      expect(await paths('déploie')).toEqual(['Déploiement rapide']);
      expect(await paths('测')).toEqual(['测试 run']);
      expect(await paths('试')).toEqual([]);
      expect(await paths('🚀')).toEqual([]);
      expect(await paths('launch')).toEqual(['🚀 launch']);
      expect(await paths('σύστημα')).toEqual(['ΣΥΣΤΗΜΑ ς']);
    });

    it('requires every word of a multi-word query', async () => {
      const store = await open();
      await seed(store);
      expect((await store.searchWorkflowPaths('deploy prod')).map((m) => m.workflowPath)).toEqual(['deploy prod v1.2']);
      expect((await store.searchWorkflowPaths('deploy')).map((m) => m.workflowPath)).toEqual([
        'deploy prod v1.2',
        'deploy staging',
      ]);
      expect((await store.searchWorkflowPaths('v1.2')).map((m) => m.workflowPath)).toEqual(['deploy prod v1.2']);
      expect((await store.searchWorkflowPaths('DÉPLOIEMENT')).map((m) => m.skillName)).toEqual(['docs']);
    });

    it('treats any text as a plain query: search syntax never throws', async () => {
      const store = await open();
      await seed(store);
      const hostile = [
        '"',
        '*',
        'comp*',
        'NEAR(a b)',
        'a OR b',
        'deploy AND',
        '-quick',
        '^x',
        'col:val',
        '(((',
        "'",
        '🚀',
        '',
        '   ',
      ];
      for (const q of hostile) await expect(store.searchWorkflowPaths(q), q).resolves.toBeInstanceOf(Array);
      expect(await store.searchWorkflowPaths('')).toEqual([]);
      expect((await store.searchWorkflowPaths('"quick"')).map((m) => m.workflowPath)).toEqual(['quick']);
      await expect(store.searchWorkflowPaths(5 as unknown as string)).rejects.toBeInstanceOf(InvalidInputError);
      for (const limit of [0, 1.5, 2 ** 53, Number.NaN]) {
        await expect(store.searchWorkflowPaths('quick', { limit })).rejects.toThrow(/limit/);
      }
      await expect(store.searchWorkflowPaths('quick', { max: 3 } as never)).rejects.toThrow(/options\.max/);
    });

    it('finds a path as soon as a finished invocation brings it, and not before', async () => {
      const store = await open();
      const handle = await store.trackInvocation('live', { workflowPath: 'brand-new-flow' });
      expect(await store.searchWorkflowPaths('brand')).toEqual([]);
      await handle.complete();
      expect(await store.searchWorkflowPaths('brand')).toEqual([
        { skillName: 'live', workflowPath: 'brand-new-flow', invocationCount: 1 },
      ]);
    });
  });
}
