// Builds @skill-metrics/core as it was at an earlier commit, so a benchmark can measure the code
// before and after a change in the same run.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Imports core at `rev`, built in a temporary folder; `null` (with the reason) when git cannot. */
export async function importCoreAt(rev) {
  try {
    const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-baseline-'));
    const archive = execFileSync('git', ['-C', root, 'archive', rev, 'packages/core', 'tsconfig.base.json']);
    execFileSync('tar', ['-x', '-C', dir], { input: archive });
    const core = join(dir, 'packages/core');
    symlinkSync(join(root, 'packages/core/node_modules'), join(core, 'node_modules'));
    try {
      execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], { cwd: core, stdio: 'pipe' });
    } catch (error) {
      // tsc reports missing @types/node from the copy's vantage point, and emits all the same.
      if (!existsSync(join(core, 'dist/index.js'))) throw error;
    }
    return await import(join(core, 'dist/index.js'));
  } catch (error) {
    console.log(`(no baseline at ${rev}: ${String(error.message ?? error).split('\n')[0]})`);
    return null;
  }
}
