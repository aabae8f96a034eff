import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type SkillOverview, type SqliteStore } from '@skill-metrics/core';
import { testInvocation } from '@skill-metrics/core/testing';
import { freePort } from '@skill-metrics/core/testing/process';
import { GUARDRAIL_KEY, MISMATCH_NOTE, OWED_NOTE } from '@skill-metrics/dual';
import Database from 'better-sqlite3';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECK_KEY } from '../src/rollout/evidence.js';
import { EXPOSITION_CONTENT_TYPE } from '../src/serve/exposition.js';
import { type CliRun, startCli } from './cli-process.js';
import { type ReadSample, readExposition } from './exposition-reader.js';

const PROMETHEUS = '/usr/bin/prometheus';
const PROMTOOL = '/usr/bin/promtool';
const CHROMIUM = '/usr/bin/chromium';
const chromiumPresent = existsSync(CHROMIUM);
if (!chromiumPresent && process.env.CI === 'true')
  throw new Error(`${CHROMIUM} is missing: CI needs Debian's chromium package`);
if (!chromiumPresent)
  console.log(`the report page test of serve skipped: no ${CHROMIUM} (apt-get install -y chromium)`);
const prometheusPresent = existsSync(PROMETHEUS) && existsSync(PROMTOOL);
if (!prometheusPresent && process.env.CI === 'true') {
  throw new Error(`${PROMETHEUS} or ${PROMTOOL} is missing: CI needs Debian's prometheus package`);
}
if (!prometheusPresent) {
  console.log(`promtool and Prometheus server tests skipped: no ${PROMETHEUS} (apt-get install -y prometheus)`);
}

/** Skill names that need every escape of the format, and one beyond the BMP. */
const NAMES = ['pytest-runner', 'say "hi"', 'back\\slash', 'two\nlines', '🚀 déploiement'];
const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-serve-'));
const dbPath = join(dir, 'metrics.db');
const flagFile = join(dir, 'storage-mode.json');

let writer: SqliteStore;
let cli: CliRun;
let base: string;

async function get(path: string, init?: RequestInit) {
  const response = await fetch(`${base}${path}`, init);
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text(), response };
}

const value = (samples: ReadSample[], name: string, labels: Record<string, string>) => {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  expect(found, `${name} ${JSON.stringify(labels)}`).toHaveLength(1);
  return (found[0] as ReadSample).value;
};

beforeAll(async () => {
  writer = await openStore({ path: dbPath });
  let n = 0;
  for (const skillName of NAMES) {
    const durations = [0.5, 1.25, 2, 3.5, 8].slice(0, 2 + (n++ % 4));
    await writer.recordInvocations([
      ...durations.map((durationSeconds) => testInvocation({ skillName, durationSeconds })),
      testInvocation({ skillName, completed: false, durationSeconds: 1, errorType: 'Timeout' }),
    ]);
  }
  await writer.trackInvocation('pytest-runner');
  await writer.trackInvocation('only-started');
  await writer.notes.add(MISMATCH_NOTE, { operation: 'getSummary' });
  await writer.notes.add(MISMATCH_NOTE, { operation: 'getSummary' });
  await writer.notes.add(OWED_NOTE, { side: 'legacy', id: 'x', error: 'EACCES', at: '2026-05-04T10:00:00.000000Z' });
  await writer.notes.setState(GUARDRAIL_KEY, { held: true, reason: 'mismatch-rate', since: '2026-05-04T10:00:00Z' });
  await writer.notes.setState(CHECK_KEY, { version: 1, ok: false, finishedAt: '2026-05-04T09:00:00.000000Z' });
  writeFileSync(flagFile, JSON.stringify({ 'dual-write': 30, verify: 20 }));

  cli = startCli(['serve', '--db', dbPath, '--port', '0', '--flag-file', flagFile]);
  const line = await cli.printed('stdout', /^serving /);
  base = (/http:\/\/[^\s:]+:\d+/.exec(line) as RegExpExecArray)[0];
});

afterAll(async () => {
  cli?.child.kill('SIGTERM');
  const exit = await cli?.exit;
  await writer?.close();
  // The signal ends it cleanly: exit code 0, nothing on stderr.
  expect(exit).toMatchObject({ code: 0, stderr: '' });
});

describe('skill-metrics serve: GET /metrics', () => {
  it('gives every skill its counts by outcome, pending count and duration summary, as the store reads them', async () => {
    const page = await get('/metrics');
    expect(page.status).toBe(200);
    expect(page.type).toBe(EXPOSITION_CONTENT_TYPE);
    const { families, samples } = readExposition(page.body);
    expect(Object.fromEntries([...families].map(([name, f]) => [name, f.type]))).toMatchObject({
      skill_invocations_total: 'counter',
      skill_invocations_pending: 'gauge',
      skill_invocation_duration_seconds: 'summary',
    });
    for (const family of families.values()) expect(family.help.length).toBeGreaterThan(10);

    const overview: SkillOverview[] = await writer.getSkillOverview();
    expect(overview.map((o) => o.skillName).sort()).toEqual([...NAMES, 'only-started'].sort());
    for (const o of overview) {
      const skill = o.skillName;
      expect(value(samples, 'skill_invocations_total', { skill, outcome: 'completed' })).toBe(o.completedInvocations);
      expect(value(samples, 'skill_invocations_total', { skill, outcome: 'abandoned' })).toBe(o.abandonedInvocations);
      expect(value(samples, 'skill_invocations_pending', { skill })).toBe(o.pendingInvocations);
      expect(value(samples, 'skill_invocation_duration_seconds_sum', { skill })).toBe(o.totalDurationSeconds);
      expect(value(samples, 'skill_invocation_duration_seconds_count', { skill })).toBe(o.completedInvocations);
      for (const [quantile, p] of [
        ['0.5', o.p50DurationSeconds],
        ['0.95', o.p95DurationSeconds],
        ['0.99', o.p99DurationSeconds],
      ] as const) {
        expect(value(samples, 'skill_invocation_duration_seconds', { skill, quantile })).toBe(p ?? Number.NaN);
      }
    }
    expect(value(samples, 'skill_invocations_pending', { skill: 'only-started' })).toBe(1);
    expect(value(samples, 'skill_invocation_duration_seconds', { skill: 'only-started', quantile: '0.5' })).toBeNaN();
  });

  it("gives the rollout's figures: the flag file's shares, mismatches, owed writes, the guardrail, the last check", async () => {
    const { samples } = readExposition((await get('/metrics')).body);
    const share = (mode: string) => value(samples, 'skill_metrics_rollout_mode_ratio', { mode });
    expect([share('legacy'), share('dual-write'), share('verify'), share('db-primary'), share('db')]).toEqual([
      0.5, 0.3, 0.2, 0, 0,
    ]);
    expect(value(samples, 'skill_metrics_rollout_flag_file_valid', {})).toBe(1);
    expect(value(samples, 'skill_metrics_rollout_mismatches', {})).toBe(2);
    expect(value(samples, 'skill_metrics_rollout_owed_writes', { side: 'legacy' })).toBe(1);
    expect(value(samples, 'skill_metrics_rollout_owed_writes', { side: 'db' })).toBe(0);
    expect(value(samples, 'skill_metrics_rollout_guardrail_holding', {})).toBe(1);
    expect(value(samples, 'skill_metrics_rollout_last_check_ok', {})).toBe(0);
    expect(value(samples, 'skill_metrics_rollout_last_check_timestamp_seconds', {})).toBe(
      Date.parse('2026-05-04T09:00:00Z') / 1000,
    );
  });

  it('reads the database at each scrape: a write by another process shows at the next one, a bad flag file as invalid', async () => {
    const before = readExposition((await get('/metrics')).body).samples;
    const completed = value(before, 'skill_invocations_total', { skill: 'say "hi"', outcome: 'completed' });
    await writer.recordInvocation(testInvocation({ skillName: 'say "hi"', durationSeconds: 4 }));
    writeFileSync(flagFile, '{ not json');
    try {
      const after = readExposition((await get('/metrics')).body).samples;
      expect(value(after, 'skill_invocations_total', { skill: 'say "hi"', outcome: 'completed' })).toBe(completed + 1);
      expect(value(after, 'skill_metrics_rollout_flag_file_valid', {})).toBe(0);
      // What the storage-mode provider does with an unreadable flag file: every call legacy.
      expect(value(after, 'skill_metrics_rollout_mode_ratio', { mode: 'legacy' })).toBe(1);
    } finally {
      writeFileSync(flagFile, JSON.stringify({ 'dual-write': 30, verify: 20 }));
    }
  });

  it.runIf(prometheusPresent)('is accepted by promtool check metrics', async () => {
    const page = await get('/metrics');
    const check = spawnSync(PROMTOOL, ['check', 'metrics'], { input: page.body, encoding: 'utf8' });
    expect({ status: check.status, out: check.stdout + check.stderr }).toEqual({ status: 0, out: '' });
  });
});

describe('skill-metrics serve: the other pages', () => {
  it('answers /healthz, 404 elsewhere, 405 to other methods, and HEAD with headers only', async () => {
    expect(await get('/healthz')).toMatchObject({ status: 200, body: 'ok\n' });
    expect(await get('/metrics?x=1')).toMatchObject({ status: 200 });
    const missing = await get('/nothing');
    expect(missing).toMatchObject({ status: 404 });
    expect(missing.body).toContain('/metrics');
    const post = await get('/metrics', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.response.headers.get('allow')).toBe('GET, HEAD');
    expect((await get('/favicon.ico')).status).toBe(204);
    // A target that is no URL (Node's parser lets `http://[` through) is refused, and the server goes on.
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(new URL(base).port), '127.0.0.1', () =>
        socket.end('GET http://[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
      );
      let text = '';
      socket.setEncoding('utf8').on('data', (chunk) => {
        text += chunk;
      });
      socket.on('end', () => resolve(text)).on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect((await get('/healthz')).status).toBe(200);
    const head = await get('/metrics', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(Number(head.response.headers.get('content-length'))).toBeGreaterThan(1000);
  });

  it.runIf(chromiumPresent)('serves the report page at /, which renders every skill in Chromium', async () => {
    const page = await get('/');
    expect(page).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' });
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
    try {
      const tab = await browser.newPage();
      const errors: string[] = [];
      tab.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      await tab.goto(`${base}/`);
      const text = (await tab.locator('body').textContent()) ?? '';
      for (const name of NAMES) expect(text).toContain(name);
      expect(errors, errors.join('\n')).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('refuses a port in use (exit 2, said why), a missing database, a bad port and a host that is none', async () => {
    const port = new URL(base).port;
    const [taken, missing, bad, nowhere, blank] = await Promise.all([
      startCli(['serve', '--db', dbPath, '--port', port]).exit,
      startCli(['serve', '--db', join(dir, 'none.db'), '--port', '0']).exit,
      startCli(['serve', '--db', dbPath, '--port', '70000']).exit,
      startCli(['serve', '--db', dbPath, '--port', '0', '--host', 'no-such-host.invalid']).exit,
      startCli(['serve', '--db', dbPath, '--host', '']).exit,
    ]);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toMatch(/^skill-metrics: cannot listen on no-such-host\.invalid port 0: .*ENOTFOUND/);
    expect(blank.code).toBe(2);
    expect(blank.stderr).toContain('--host must name an address');
    expect(taken.code).toBe(2);
    expect(taken.stderr).toMatch(new RegExp(`cannot listen on 127\\.0\\.0\\.1 port ${port}: .*EADDRINUSE`));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('none.db');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--port must be 0–65535');
  }, 30_000);
});

describe('skill-metrics serve when the database fails', () => {
  it('answers 503 while a read fails, says why on stderr, and serves again once the database reads', async () => {
    const path = join(dir, 'breaks.db');
    const store = await openStore({ path });
    await store.recordInvocation(testInvocation({ skillName: 'steady' }));
    await store.close();
    const run = startCli(['serve', '--db', path, '--port', '0']);
    try {
      const url = (/http:\/\/[^\s:]+:\d+/.exec(await run.printed('stdout', /^serving /)) as RegExpExecArray)[0];
      expect((await fetch(`${url}/metrics`)).status).toBe(200);
      // Another process takes the table away, as a failed restore or a wrong file would.
      const other = new Database(path);
      other.exec('ALTER TABLE skill_totals RENAME TO skill_totals_away');
      const broken = await fetch(`${url}/metrics`);
      expect(broken.status).toBe(503);
      expect(await broken.text()).toMatch(/^the database could not be read: /);
      // The process is up and the database answers: /healthz is for liveness, /metrics for figures.
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      await run.printed('stderr', /skill-metrics serve: \/metrics: /);
      other.exec('ALTER TABLE skill_totals_away RENAME TO skill_totals');
      other.close();
      const back = await fetch(`${url}/metrics`);
      expect(back.status).toBe(200);
      expect(await back.text()).toContain('skill_invocations_total{skill="steady",outcome="completed"} 1');
    } finally {
      run.child.kill('SIGTERM');
      await run.exit;
    }
  }, 30_000);
});

async function until<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await read().catch(() => undefined);
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.runIf(prometheusPresent)('skill-metrics serve scraped by a real Prometheus server', () => {
  it("has Prometheus's query API give the totals of getSummary, every skill name as stored", async () => {
    const port = await freePort();
    const config = join(dir, 'prometheus.yml');
    writeFileSync(
      config,
      [
        'global: { scrape_interval: 1s, scrape_timeout: 1s }',
        'scrape_configs:',
        '  - job_name: skill-metrics',
        `    static_configs: [{ targets: ['${new URL(base).host}'] }]`,
        '',
      ].join('\n'),
    );
    const server = spawn(
      PROMETHEUS,
      [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`],
      { stdio: 'ignore' },
    );
    const query = async (promql: string) => {
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await response.json()) as {
        data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
      };
      return body.data.result;
    };
    try {
      const summary = await writer.getSummary();
      const scraped = await until('a scrape with the totals', async () => {
        const [sum] = await query('sum(skill_invocations_total)');
        return sum && Number(sum.value[1]) === summary.totalInvocations ? sum : undefined;
      });
      expect(Number(scraped.value[1])).toBe(summary.totalInvocations);
      const completed = await query('sum(skill_invocations_total{outcome="completed"})');
      const expected = (await writer.getSkillOverview()).reduce((sum, o) => sum + o.completedInvocations, 0);
      expect(Number(completed[0]?.value[1])).toBe(expected);
      // Every name came through the escaping as it is stored.
      const names = (await query('skill_invocations_pending')).map((r) => r.metric.skill).sort();
      expect(names).toEqual((await writer.getSkillOverview()).map((o) => o.skillName).sort());
      const [up] = await query('up{job="skill-metrics"}');
      expect(up?.value[1]).toBe('1');

      await writer.recordInvocation(testInvocation({ skillName: '🚀 déploiement', durationSeconds: 1 }));
      await until('the next scrape to see the new invocation', async () => {
        const [one] = await query('skill_invocations_total{skill="🚀 déploiement",outcome="completed"}');
        const stored = (await writer.getSkillMetrics('🚀 déploiement'))?.completedInvocations;
        return one && Number(one.value[1]) === stored ? one : undefined;
      });
    } finally {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('close', r));
    }
  }, 60_000);
});
