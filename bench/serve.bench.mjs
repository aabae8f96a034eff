// `skill-metrics serve`: a scrape of GET /metrics over HTTP from the CLI in its own process, on a
// database of 10,000 skills, timed from the request to the last byte of the answer. Three cases:
// the first scrape after start, a scrape after 100 skills changed (the others' lines kept), and one
// after every skill changed (every line formatted again). The floor, in the same rounds, is raw
// better-sqlite3 reading the same figures (the skill totals and the pending counts); the target is
// absolute, under 100 ms.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '@skill-metrics/core';
import Database from 'better-sqlite3';
import { median, report } from './harness.mjs';

const CLI = fileURLToPath(new URL('../tools/migrate/dist/cli.js', import.meta.url));
const SKILLS = 10_000;
const PER_SKILL = 5;
const PENDING = 100;

const at = (i) => new Date(Date.UTC(2026, 10, 1) + i * 1000).toISOString();

async function fill(path) {
  const store = await openStore({ path });
  const rows = [];
  for (let i = 0; i < SKILLS * PER_SKILL; i++) {
    const completed = i % 9 !== 0;
    rows.push({
      id: `inv-${i}`,
      skillName: `skill-${i % SKILLS}`,
      invokedAt: at(i),
      completed,
      durationSeconds: ((i * 7919) % 5000) / 100,
      errorType: completed ? null : 'Timeout',
    });
  }
  await store.recordInvocations(rows);
  for (let i = 0; i < PENDING; i++) await store.trackInvocation(`skill-${(i * 97) % SKILLS}`);
  return store;
}

/** Starts `skill-metrics serve` on the database; resolves with its URL and a stop function. */
function serve(path) {
  const child = spawn(process.execPath, [CLI, 'serve', '--db', path, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      out += chunk;
      const url = /http:\/\/[^\s:]+:\d+/.exec(out)?.[0];
      if (url) {
        resolve({
          url,
          stop: () => new Promise((done) => child.once('close', done).kill('SIGTERM')),
        });
      }
    });
    child.once('close', (code) => reject(new Error(`serve exited (${code}) before it listened: ${out}`)));
  });
}

/** One GET /metrics, read to the last byte (kept as bytes, as a scraper reads them). */
function scrapeMs(url) {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    get(`${url}/metrics`, (response) => {
      let bytes = 0;
      response.on('data', (chunk) => {
        bytes += chunk.length;
      });
      response.on('end', () => {
        if (response.statusCode !== 200 || bytes < SKILLS * 100)
          reject(new Error(`bad scrape: ${response.statusCode}`));
        else resolve(performance.now() - started);
      });
    }).on('error', reject);
  });
}

function rawFloor(path) {
  const db = new Database(path, { readonly: true });
  const totals = db
    .prepare(
      'SELECT skill_name, completed_invocations, abandoned_invocations, total_duration_seconds, p50_duration_seconds, p95_duration_seconds, p99_duration_seconds FROM skill_totals',
    )
    .raw(true);
  const pending = db
    .prepare('SELECT skill_name, count(*) FROM skill_invocation WHERE completed_at IS NULL GROUP BY skill_name')
    .raw(true);
  return {
    ms: () => {
      const started = performance.now();
      totals.all();
      pending.all();
      return performance.now() - started;
    },
    close: () => db.close(),
  };
}

function reportRounds(name, candidate, floor) {
  report(
    name,
    {
      candidateUs: median(candidate) * 1000,
      floorUs: median(floor) * 1000,
      ratio: median(candidate.map((c, i) => c / floor[i])),
    },
    { maxUs: 100_000 },
    'raw better-sqlite3 reads of the figures',
  );
}

export async function run({ quick = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-serve-bench-'));
  const path = join(dir, 'metrics.db');
  const store = await fill(path);
  const floor = rawFloor(path);
  const rounds = quick ? 3 : 11;
  try {
    const first = [];
    const firstFloor = [];
    for (let r = 0; r < rounds; r++) {
      const server = await serve(path);
      firstFloor.push(floor.ms());
      first.push(await scrapeMs(server.url));
      await server.stop();
    }
    reportRounds(`serve GET /metrics, ${SKILLS.toLocaleString('en')} skills, first scrape`, first, firstFloor);

    const server = await serve(path);
    try {
      for (let w = 0; w < 3; w++) await scrapeMs(server.url);
      let written = 0;
      /** Rounds of: `skills` skills get one more invocation (not timed), then one scrape. */
      const afterChanges = async (skills, rounds) => {
        const times = [];
        const floors = [];
        for (let r = 0; r < rounds; r++) {
          await store.recordInvocations(
            Array.from({ length: skills }, (_, i) => ({
              id: `more-${written}`,
              skillName: `skill-${(written++ * 89) % SKILLS}`,
              invokedAt: at(written),
              completed: true,
              durationSeconds: i % 50,
            })),
          );
          floors.push(floor.ms());
          times.push(await scrapeMs(server.url));
        }
        return [times, floors];
      };
      const some = await afterChanges(100, quick ? 5 : 21);
      reportRounds(`serve GET /metrics, ${SKILLS.toLocaleString('en')} skills, 100 changed since the last`, ...some);
      const all = await afterChanges(SKILLS, quick ? 3 : 7);
      reportRounds(`serve GET /metrics, ${SKILLS.toLocaleString('en')} skills, every one changed`, ...all);
    } finally {
      await server.stop();
    }
  } finally {
    floor.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run({ quick: process.argv.includes('--quick') });
