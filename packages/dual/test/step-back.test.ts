import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { listAll } from '@skill-metrics/core/testing';
import { diffAnswers } from '@skill-metrics/dual';
import { openLegacyStore } from '@skill-metrics/json-legacy';
import { describe, expect, it } from 'vitest';
import { freshPaths, openDual } from './stores.js';

const LEGACY_CHECK = join(import.meta.dirname, '../../json-legacy/test/python/legacy_check.py');

describe('stepping back', () => {
  it('loses nothing: written in db, stepped back to db-primary and repaired, the JSON file holds every invocation', async () => {
    const paths = freshPaths();
    const before = await openDual(paths, { mode: 'verify' });
    await before.track('from-before', () => 1, { workflowPath: 'old' });
    await before.close();

    const inDb = await openDual(paths, { mode: 'db' });
    const written: string[] = [];
    for (let i = 0; i < 30; i++) {
      const h = await inDb.trackInvocation(`skill-${i % 4}`, {
        workflowPath: i % 2 ? 'quick' : null,
        sessionId: i % 3 ? null : `session-${i % 2}`,
      });
      await h.complete({
        completed: i % 5 !== 0,
        errorType: i % 5 ? null : 'ValueError',
        followUpActions: ['git commit'],
      });
      written.push(h.invocationId);
    }
    const running = await inDb.trackInvocation('still-running');
    written.push(running.invocationId);
    await inDb.close();

    const back = await openDual(paths, { mode: 'db-primary' });
    const report = await back.repair();
    expect(report.copied.legacy).toBe(31);
    expect(report.copied.db).toBe(0);
    expect(report.conflicts).toEqual([]);
    await back.close();

    // A fresh LegacyJsonStore reads every invocation the database has, as the database has it.
    const file = await openLegacyStore({ path: paths.legacy, timeZone: 'UTC' });
    const fromFile = await listAll(file);
    expect(fromFile.map((i) => i.id)).toEqual(expect.arrayContaining(written));
    const again = await openDual(paths, { mode: 'db' });
    expect(fromFile).toEqual(await listAll(again.db));
    // Every figure alike (percentiles within the sketch's bound: the file's are exact).
    expect(diffAnswers(await file.getAllMetrics(), await again.db.getAllMetrics())).toEqual([]);
    await again.close();
    await file.close();

    // And the old tracker's Python meets it: the bytes are its json.dumps(indent=2), and each
    // invocation it wrote has its seven fields, with the types it gave them.
    execFileSync('python3', [LEGACY_CHECK, 'layout', paths.legacy]);
    const checked = execFileSync(
      'python3',
      [
        '-c',
        `import json, sys
data = json.load(open(sys.argv[1]))
seven = {"skill_name": str, "invoked_at": str, "workflow_path": (str, type(None)), "completed": bool,
         "duration_seconds": (int, float, type(None)), "follow_up_actions": list, "error_type": (str, type(None))}
for inv in data["invocations"]:
    for key, kind in seven.items():
        assert isinstance(inv[key], kind), (key, inv)
print(len(data["invocations"]), sum(s["total_invocations"] for s in data["skills"].values()))`,
        paths.legacy,
      ],
      { encoding: 'utf8' },
    );
    expect(checked.trim()).toBe('32 31'); // one pending: in the list, in no skill's total
  });
});
