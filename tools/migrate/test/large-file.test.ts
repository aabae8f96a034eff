import { constants } from 'node:buffer';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@skill-metrics/core';
import { afterAll, describe, expect, it } from 'vitest';
import { startCli } from './cli-process.js';

const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-large-backfill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PER_BLOCK = 2000;
const BLOCKS = 400;

/** A legacy file longer than V8's longest string: one block of the old tracker's layout, over and over. */
function writeHugeLegacyFile(path: string): void {
  const element = (i: number) =>
    `\n    {\n      "skill_name": "skill-${i % 8}",\n      "invoked_at": "2025-06-01T12:${String(i % 60).padStart(2, '0')}:00.${String(i % 1000).padStart(6, '0')}",\n      "workflow_path": "comprehensive",\n      "completed": ${i % 9 !== 0},\n      "duration_seconds": ${(i % 97) + 0.25},\n      "follow_up_actions": [\n        "git add --all",\n        "git commit --message 'a longer follow-up action'",\n        "git push origin main",\n        "open the pull request in the browser",\n        "wait for the checks of the pull request to pass, then ask for a review from the owners",\n        "merge the pull request once it is approved, delete the branch and pull main again",\n        "tag the release, write its notes from the merged pull requests and publish the package"\n      ],\n      "error_type": ${i % 9 === 0 ? '"TimeoutError"' : 'null'}\n    }`;
  const block = Buffer.from(Array.from({ length: PER_BLOCK }, (_, i) => element(i)).join(','));
  const fd = openSync(path, 'w');
  writeSync(fd, '{\n  "invocations": [');
  for (let b = 0; b < BLOCKS; b++) {
    if (b > 0) writeSync(fd, ',');
    writeSync(fd, block);
  }
  writeSync(fd, '\n  ],\n  "skills": {},\n  "last_updated": "2025-06-02T00:00:00"\n}');
  closeSync(fd);
}

describe('backfill of a file larger than V8’s string limit', () => {
  it('imports all 800,000 invocations (> 512 MB) in a process whose heap is far smaller', {
    timeout: 600_000,
  }, async () => {
    const file = join(dir, 'skill_metrics.json');
    const db = join(dir, 'metrics.db');
    writeHugeLegacyFile(file);
    expect(statSync(file).size).toBeGreaterThan(constants.MAX_STRING_LENGTH);

    // A heap of 256 MB cannot hold the file, let alone its parse: only a streamed import fits.
    const run = startCli(['backfill', file, '--db', db, '--tz', 'UTC'], {
      NODE_OPTIONS: '--max-old-space-size=256',
    });
    const { code, stdout, stderr } = await run.exit;
    expect(stderr).not.toMatch(/heap|out of memory/i);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^read: +800,000 invocations/m);
    expect(stdout).toMatch(/^inserted: +800,000$/m);
    expect(stdout).toMatch(/^consistency: the file and the database agree/m);

    const store = await openStore({ path: db, readonly: true });
    try {
      expect(await store.countInvocations()).toBe(PER_BLOCK * BLOCKS);
      const metrics = await store.getSkillMetrics('skill-0');
      expect(metrics?.totalInvocations).toBe((PER_BLOCK / 8) * BLOCKS);
      expect(metrics?.followUpActions['git push origin main']).toBe((PER_BLOCK / 8) * BLOCKS);
      const summary = await store.getSummary();
      expect(summary.totalInvocations).toBe(PER_BLOCK * BLOCKS);
    } finally {
      await store.close();
    }
  });
});
