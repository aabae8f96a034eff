// The legacy JSON store: the streaming reader against JSON.parse of the same file (in the same run),
// its peak RSS in a fresh process, and how the store coalesces completions that wait on its lock.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLegacyStore, readLegacyFile } from '@skill-metrics/json-legacy';
import { compare, report, reportValue } from './harness.mjs';
import { SKILLS } from './store.bench.mjs';

const CHILD = fileURLToPath(new URL('./legacy-reader-child.mjs', import.meta.url));
const PATHS = ['quick', 'comprehensive', 'daily', null];

/** Python's repr of a float (enough for the durations written here). */
const pyFloat = (x) => (Number.isInteger(x) ? `${x}.0` : String(x));
const pyNaive = (ms, micros) => {
  const wall = new Date(ms).toISOString().slice(0, 19);
  return micros === 0 ? wall : `${wall}.${String(micros).padStart(6, '0')}`;
};

/**
 * Writes a legacy file of `n` invocations as the old tracker did (json.dumps(indent=2), naive local
 * times, a pending one now and then, abandoned ones with errors), with its skills section. Returns its size.
 */
export function writeLegacyFile(path, n) {
  const fd = openSync(path, 'w');
  const skills = new Map();
  const t0 = Date.parse('2025-01-01T00:00:00Z');
  let out = '{\n  "invocations": [';
  for (let i = 0; i < n; i++) {
    const skill = SKILLS[i % SKILLS.length];
    const wp = PATHS[i % PATHS.length];
    const invokedAt = pyNaive(t0 + i * 30_000, (i * 7919) % 1_000_000);
    const pending = i % 997 === 0;
    const completed = !pending && i % 7 !== 0;
    const duration = pending ? null : 0.5 + ((i * 7919) % 100_000) / 1000.123;
    const actions = pending || i % 3 === 0 ? [] : ['git commit'];
    const error = pending || completed ? null : 'TimeoutError';
    out += `${i ? ',' : ''}\n    {\n      "skill_name": "${skill}",\n      "invoked_at": "${invokedAt}",\n      "workflow_path": ${wp === null ? 'null' : `"${wp}"`},\n      "completed": ${completed},\n      "duration_seconds": ${duration === null ? 'null' : pyFloat(duration)},\n      "follow_up_actions": ${actions.length ? `[\n        "${actions[0]}"\n      ]` : '[]'},\n      "error_type": ${error === null ? 'null' : `"${error}"`}\n    }`;
    if (!pending) {
      let m = skills.get(skill);
      if (!m) {
        m = { t: 0, c: 0, a: 0, d: 0, paths: {}, errors: {}, actions: {}, first: invokedAt, last: null };
        skills.set(skill, m);
      }
      m.t++;
      m.last = invokedAt;
      if (completed) {
        m.c++;
        m.d += duration;
      } else m.a++;
      if (wp) m.paths[wp] = (m.paths[wp] ?? 0) + 1;
      if (error) m.errors[error] = (m.errors[error] ?? 0) + 1;
      for (const a of actions) m.actions[a] = (m.actions[a] ?? 0) + 1;
    }
    if (out.length > 1 << 20) {
      writeSync(fd, out);
      out = '';
    }
  }
  const counts = (o, indent) => {
    const keys = Object.keys(o);
    if (keys.length === 0) return '{}';
    return `{${keys.map((k) => `\n${indent}  "${k}": ${o[k]}`).join(',')}\n${indent}}`;
  };
  const entries = [...skills].map(
    ([name, m]) =>
      `\n    "${name}": {\n      "skill_name": "${name}",\n      "total_invocations": ${m.t},\n      "completed_invocations": ${m.c},\n      "abandoned_invocations": ${m.a},\n      "total_duration_seconds": ${pyFloat(m.d)},\n      "workflow_paths": ${counts(m.paths, '      ')},\n      "common_errors": ${counts(m.errors, '      ')},\n      "follow_up_actions": ${counts(m.actions, '      ')},\n      "first_invoked": "${m.first}",\n      "last_invoked": "${m.last}",\n      "completion_rate": ${pyFloat((m.c / m.t) * 100)},\n      "avg_duration_seconds": ${pyFloat(m.c ? m.d / m.c : 0)}\n    }`,
  );
  out += `\n  ],\n  "skills": {${entries.join(',')}\n  },\n  "last_updated": "2025-12-31T23:59:59.999999"\n}`;
  writeSync(fd, out);
  closeSync(fd);
  return statSync(path).size;
}

export async function streamAll(path, touch) {
  let count = 0;
  for await (const entry of readLegacyFile(path, { timeZone: 'UTC' }).invocations) {
    if (touch) {
      entry.id;
      entry.invocation;
    }
    count++;
  }
  return count;
}

function childRun(mode, path) {
  const out = execFileSync(process.execPath, [CHILD, mode, path], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out);
}

const ms = (us) => `${(us / 1000).toFixed(0)} ms`;

export async function run({ quick = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-legacy-bench-'));
  try {
    const n = quick ? 100_000 : 1_000_000;
    const path = join(dir, 'skill_metrics.json');
    const bytes = writeLegacyFile(path, n);
    const label = `${n.toLocaleString('en')} invocations, ${(bytes / 1e6).toFixed(0)} MB`;
    console.log(`legacy file: ${label}`);

    const rounds = quick ? 3 : 5;
    const parse = () => {
      JSON.parse(readFileSync(path, 'utf8'));
    };
    const r = await compare({ floor: parse, candidate: () => streamAll(path, false), ops: 1, rounds, warmup: 1 });
    report(`readLegacyFile, ${label}`, r, 2, 'JSON.parse(readFileSync())');
    // What the backfill does with each entry on top: its id (sha256) and its contract view. No target:
    // this is core's legacyInvocationId and time conversion, not parsing.
    const full = await compare({
      floor: parse,
      candidate: () => streamAll(path, true),
      ops: 1,
      rounds: quick ? 2 : 3,
      warmup: 0,
    });
    console.log(
      `info ${'readLegacyFile + entry.id + entry.invocation'.padEnd(58)} ${ms(full.candidateUs).padStart(9)}  floor ${ms(full.floorUs)}  ratio ${full.ratio.toFixed(3)}`,
    );

    const reader = childRun('reader', path);
    const floor = childRun('json-parse', path);
    if (reader.count !== floor.count)
      throw new Error(`reader read ${reader.count} invocations, JSON.parse ${floor.count}`);
    reportValue(
      `peak RSS of a process streaming ${label}`,
      reader.maxRssMB,
      'MB',
      256,
      `(JSON.parse: ${floor.maxRssMB} MB)`,
    );

    // Group commit: completions that wait on the lock share one rewrite. A file of 10,000 invocations
    // (about 2.7 MB), so that each rewrite costs what it does in real use.
    const small = join(dir, 'coalesce.json');
    writeLegacyFile(small, quick ? 2_000 : 10_000);
    const store = await openLegacyStore({ path: small, timeZone: 'UTC' });
    const concurrent = 200;
    const handles = await Promise.all(
      Array.from({ length: concurrent }, (_, i) => store.trackInvocation(SKILLS[i % 8])),
    );
    const before = store.stats.rewrites;
    let t = performance.now();
    await Promise.all(handles.map((h, i) => h.complete({ completed: i % 5 !== 0 })));
    const together = performance.now() - t;
    const rewrites = store.stats.rewrites - before;
    reportValue(
      `rewrites for ${concurrent} concurrent completions`,
      rewrites,
      'rewrites',
      10,
      `(${together.toFixed(0)} ms in all)`,
    );
    const sequential = 20;
    t = performance.now();
    for (let i = 0; i < sequential; i++) {
      const h = await store.trackInvocation('one-by-one');
      await h.complete();
    }
    const perWrite = (performance.now() - t) / (2 * sequential);
    console.log(
      `info ${`one rewrite of a ${(statSync(small).size / 1e6).toFixed(1)} MB file (track or complete alone)`.padEnd(58)} ${perWrite.toFixed(1).padStart(9)} ms  → ${concurrent} completions one by one ≈ ${((perWrite * concurrent) / 1000).toFixed(1)} s`,
    );
    await store.close();

    // The legacy cost the old tracker paid on every completion (DESIGN.md: 15 ms at 1,000, 83 ms at 5,000).
    for (const size of [1_000, 5_000]) {
      const file = join(dir, `cost-${size}.json`);
      writeLegacyFile(file, size);
      const s = await openLegacyStore({ path: file, timeZone: 'UTC' });
      const times = [];
      for (let i = 0; i < 10; i++) {
        const h = await s.trackInvocation('cost');
        const t1 = performance.now();
        await h.complete();
        times.push(performance.now() - t1);
      }
      times.sort((a, b) => a - b);
      console.log(
        `info ${`complete() on a file of ${size.toLocaleString('en')} invocations (median of 10)`.padEnd(58)} ${times[5].toFixed(1).padStart(9)} ms`,
      );
      await s.close();
    }
    return { reader: r, peakRssMB: reader.maxRssMB, jsonParseRssMB: floor.maxRssMB, rewrites };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run({ quick: process.argv.includes('--quick') });
