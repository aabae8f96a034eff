import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['dev-source'] },
  ssr: { resolve: { conditions: ['dev-source'] } },
  test: {
    name: 'dual',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The suites write real files with an fsync per write; a loaded machine makes fsync slow.
    testTimeout: 30_000,
  },
});
