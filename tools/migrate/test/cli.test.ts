import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '@skill-metrics/migrate';
import { describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-cli-'));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}

describe('skill-metrics CLI', () => {
  it('exits 2 with the usage on a bad command or option', async () => {
    for (const argv of [[], ['bogus'], ['report', '--nope'], ['report', 'extra']]) {
      const { io, err } = capture();
      expect(await main(argv, io), argv.join(' ')).toBe(2);
      expect(err.join('\n')).toContain('Usage: skill-metrics');
    }
  });

  it('exits 2 naming the problem when the database cannot be used', async () => {
    const notDb = join(dir, 'not-a-db.db');
    writeFileSync(notDb, 'this is not SQLite');
    const { io, err } = capture();
    await expect(main(['report', '--db', notDb], io)).resolves.toBe(2);
    expect(err.join('\n')).toMatch(/not-a-db\.db/);
  });

  it('never shows a stack for an expected failure: a missing database is named, exit 2, nothing created', async () => {
    const missing = join(dir, 'nowhere', 'metrics.db');
    for (const command of [['status'], ['report'], ['rollout', 'release']]) {
      const { io, err } = capture();
      expect(await main([...command, '--db', missing], io)).toBe(2);
      expect(err.join('\n')).toBe(`skill-metrics: no database at ${missing}`);
    }
    expect(existsSync(join(dir, 'nowhere'))).toBe(false);
    const notDb = join(dir, 'plain.txt');
    writeFileSync(notDb, 'x');
    const under = capture();
    expect(await main(['report', '--db', join(notDb, 'x.db')], under.io)).toBe(2);
    expect(under.err.join('\n')).not.toMatch(/\n\s+at /);
    const memory = capture();
    expect(await main(['status', '--db', ':memory:'], memory.io)).toBe(2);
    expect(memory.err.join('\n')).toMatch(/:memory:/);
  });
});
