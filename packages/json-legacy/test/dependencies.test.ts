import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * A consumer who installs only this package must not need a native build: it uses the driver-free
 * `@skill-metrics/core/contract` and `/engine`, never core's root entry (which opens SQLite) nor better-sqlite3.
 */
describe('what @skill-metrics/json-legacy loads', () => {
  it('imports only node built-ins, its own modules, the driver-free parts of core and proper-lockfile', () => {
    const sources = (readdirSync(SRC, { recursive: true }) as string[]).filter(
      (f) => f.endsWith('.ts') && !f.endsWith('.test.ts'),
    );
    const specifiers = new Set<string>();
    for (const file of sources) {
      const text = readFileSync(`${SRC}${file}`, 'utf8');
      for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/g))
        specifiers.add(m[1] as string);
      for (const m of text.matchAll(/import\(\s*'([^']+)'\s*\)/g)) specifiers.add(m[1] as string);
    }
    const outside = [...specifiers].filter((s) => !s.startsWith('.') && !s.startsWith('node:')).sort();
    expect(outside).toEqual(['@skill-metrics/core/contract', '@skill-metrics/core/engine', 'proper-lockfile']);
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8'));
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['@skill-metrics/core', 'proper-lockfile']);
    // The one peer is OpenTelemetry's API (plain JavaScript), which the engine records through.
    expect(pkg.peerDependencies).toEqual({ '@opentelemetry/api': '^1.9.0' });
  });

  it('loads no database driver at run time', () => {
    const script = `
      const { createRequire } = await import('node:module');
      const m = await import('@skill-metrics/json-legacy');
      const store = new m.LegacyJsonStore({ path: 'unused.json', timeZone: 'UTC' });
      const loaded = Object.keys(createRequire(import.meta.url).cache);
      console.log(JSON.stringify(loaded.filter((p) => /sqlite|drizzle|pg/.test(p))));
      void store;
    `;
    const out = execFileSync(
      process.execPath,
      ['--conditions', 'dev-source', '--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(JSON.parse(out)).toEqual([]);
  });
});
