import { constants } from 'node:buffer';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLegacyFile } from '@skill-metrics/json-legacy';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-legacy-large-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readLegacyFile on a file larger than V8’s string limit', () => {
  it('streams 1,300,000 invocations (> 512 MB) in bounded memory', { timeout: 120_000 }, () => {
    return (async () => {
      const path = join(dir, 'huge.json');
      // The old tracker's layout, one block of invocations written over and over.
      const element = (i: number) =>
        `\n    {\n      "skill_name": "skill-${i % 8}",\n      "invoked_at": "2025-06-01T12:${String(i % 60).padStart(2, '0')}:00.${String(i % 1000).padStart(6, '0')}",\n      "workflow_path": "comprehensive",\n      "completed": true,\n      "duration_seconds": ${(i % 97) + 0.25},\n      "follow_up_actions": [\n        "git add --all",\n        "git commit --message 'a longer follow-up action'",\n        "git push origin main",\n        "open the pull request in the browser"\n      ],\n      "error_type": null\n    }`;
      const perBlock = 2000;
      const block = Buffer.from(Array.from({ length: perBlock }, (_, i) => element(i)).join(','));
      const comma = Buffer.from(',');
      const blocks = 650;
      const fd = openSync(path, 'w');
      writeSync(fd, '{\n  "invocations": [');
      for (let b = 0; b < blocks; b++) {
        if (b > 0) writeSync(fd, comma);
        writeSync(fd, block);
      }
      writeSync(fd, '\n  ],\n  "skills": {},\n  "last_updated": "2025-06-02T00:00:00"\n}');
      closeSync(fd);
      // Longer than the longest string V8 makes (2^29 - 24 units): no JSON.parse of the whole text.
      expect(statSync(path).size).toBeGreaterThan(constants.MAX_STRING_LENGTH);

      const before = process.memoryUsage().heapUsed;
      let peak = 0;
      let count = 0;
      const file = readLegacyFile(path, { timeZone: 'UTC' });
      for await (const batch of file.batches()) {
        count += batch.length;
        peak = Math.max(peak, process.memoryUsage().heapUsed - before);
      }
      expect(count).toBe(perBlock * blocks);
      const summary = file.summary();
      expect(summary.invocationCount).toBe(perBlock * blocks);
      expect(summary.bytes).toBe(statSync(path).size);
      expect(summary.totals.get('skill-0')?.totalInvocations).toBe((perBlock / 8) * blocks);
      // Skills missing from the file's own counters (it has none) are named, not fatal.
      expect(summary.quirks.map((q) => q.kind)).toEqual(['aggregate-mismatch']);
      // The heap never held more than a small part of the file.
      expect(peak).toBeLessThan(200 * 1024 * 1024);
    })();
  });
});
