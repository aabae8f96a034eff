import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'packaging', include: ['test/**/*.test.ts'], testTimeout: 600_000, hookTimeout: 600_000 },
});
