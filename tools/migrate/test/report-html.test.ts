import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { formatSeconds, type InvocationInput, openStore } from '@skill-metrics/core';
import { testInvocation } from '@skill-metrics/core/testing';
import { main } from '@skill-metrics/migrate';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const present = existsSync(CHROMIUM);
if (!present && process.env.CI === 'true')
  throw new Error(`${CHROMIUM} is missing: CI needs Debian's chromium package`);
if (!present) console.log(`report --html tests skipped: no ${CHROMIUM} (apt-get install -y chromium)`);

const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-report-html-'));
const EVIL = '<script>alert(1)</script> "q" & 🚀';
const EVIL_PATH = '<b>bold</b> & "x"';
const EVIL_ERROR = 'Err<"&">';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}

const run = (skillName: string, invokedAt: string, over: Partial<InvocationInput> = {}) =>
  testInvocation({ skillName, invokedAt, ...over });

/** Seven finished invocations in three UTC hours over two days, and one pending one. */
const KNOWN: InvocationInput[] = [
  run('pytest-runner', '2026-05-04T09:10:00Z', { durationSeconds: 1.5, workflowPath: 'comprehensive' }),
  run('pytest-runner', '2026-05-04T09:40:00Z', {
    durationSeconds: 2.5,
    workflowPath: 'comprehensive',
    followUpActions: ['commit'],
  }),
  run('pytest-runner', '2026-05-04T11:05:00Z', { durationSeconds: 4, workflowPath: 'quick' }),
  run('pytest-runner', '2026-05-04T11:30:00Z', {
    completed: false,
    durationSeconds: 0.5,
    workflowPath: 'quick',
    errorType: 'TimeoutError',
  }),
  run(EVIL, '2026-05-04T11:50:00Z', { durationSeconds: 0.25, workflowPath: EVIL_PATH }),
  run(EVIL, '2026-05-05T02:00:00Z', { durationSeconds: 0.75, followUpActions: [EVIL] }),
  run('lint', '2026-05-05T02:15:00Z', { completed: false, durationSeconds: 3, errorType: EVIL_ERROR }),
  run('pytest-runner', '2026-05-05T03:00:00Z', { completed: false, durationSeconds: null }),
];

async function database(name: string, invocations: InvocationInput[]): Promise<string> {
  const path = join(dir, name);
  const store = await openStore({ path });
  await store.recordInvocations(invocations);
  await store.close();
  return path;
}

async function writePage(db: string, name: string): Promise<string> {
  const page = join(dir, name);
  const { io, err } = capture();
  expect(await main(['report', '--db', db, '--html', page], io), err.join('\n')).toBe(0);
  return page;
}

let browser: Browser;
beforeAll(async () => {
  if (!present) return;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
});
afterAll(async () => {
  await browser?.close();
});

/** Opens the page with every request recorded and none but the page's own let through. */
async function open(file: string) {
  const context = await browser.newContext();
  const tab = await context.newPage();
  const url = pathToFileURL(file).href;
  const requests: string[] = [];
  const problems: string[] = [];
  const dialogs: string[] = [];
  await context.route('**/*', (route) => {
    requests.push(route.request().url());
    return route.request().url() === url ? route.continue() : route.abort();
  });
  tab.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
  });
  tab.on('pageerror', (e) => problems.push(String(e)));
  tab.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await tab.goto(url, { waitUntil: 'load' });
  return { tab, url, requests, problems, dialogs, close: () => context.close() };
}

const figure = (tab: Page, name: string) => tab.locator(`dl.summary [data-figure="${name}"]`);
const shown = async (tab: Page, name: string) => ({
  text: await figure(tab, name).textContent(),
  value: await figure(tab, name).getAttribute('data-value'),
});

describe.runIf(present)('skill-metrics report --html', () => {
  it('writes the page and prints the text report as without --html, then where the page is', async () => {
    const db = await database('cli.db', KNOWN);
    const plain = capture();
    expect(await main(['report', '--db', db], plain.io)).toBe(0);
    const page = join(dir, 'cli.html');
    writeFileSync(page, 'an older page');
    const withPage = capture();
    expect(await main(['report', '--db', db, '--html', page], withPage.io)).toBe(0);
    expect(withPage.out).toEqual([...plain.out, `report page: ${page}`]);
    expect(withPage.err).toEqual([]);
    const html = readFileSync(page, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    // Self-contained: nothing that could name another resource.
    expect(html).not.toMatch(/https?:|url\(|\bsrc=|\bhref=|<script|<link|@import/i);
    // Replaced by a rename: no temporary file is left beside it.
    expect(readdirSync(dir).filter((f) => f.startsWith('cli.html'))).toEqual(['cli.html']);
  });

  it('refuses a page it cannot write in one line, exit 2, before reading the database, and writes nothing', async () => {
    const db = await database('refused.db', KNOWN);
    const aFile = join(dir, 'a-file');
    writeFileSync(aFile, 'x');
    const aDirectory = join(dir, 'a-directory');
    mkdirSync(aDirectory);
    const cases: Array<[string, string]> = [
      [join(dir, 'missing', 'page.html'), `no directory ${join(dir, 'missing')}`],
      [aDirectory, 'it is a directory'],
      [join(aFile, 'page.html'), `${aFile} is not a directory`],
    ];
    for (const [target, why] of cases) {
      const { io, out, err } = capture();
      expect(await main(['report', '--db', db, '--html', target], io), target).toBe(2);
      expect(err).toEqual([`skill-metrics: --html cannot be written to ${target}: ${why}`]);
      expect(out).toEqual([]);
    }
    expect(existsSync(join(dir, 'missing'))).toBe(false);
    expect(readdirSync(aDirectory)).toEqual([]);
    // A missing database is named as without --html, and no page appears.
    const { io, err } = capture();
    const page = join(dir, 'no-db.html');
    expect(await main(['report', '--db', join(dir, 'none.db'), '--html', page], io)).toBe(2);
    expect(err).toEqual([`skill-metrics: no database at ${join(dir, 'none.db')}`]);
    expect(existsSync(page)).toBe(false);
  });

  it('in Chromium: no request but the page, no console error, the store’s figures, one timeline mark per busy hour, names as text', async () => {
    const db = await database('known.db', KNOWN);
    const file = await writePage(db, 'known.html');
    const store = await openStore({ path: db, readonly: true });
    const summary = await store.getSummary();
    const all = [...(await store.getAllMetrics()).values()];
    const timeline = await store.getTimeline({
      since: '2026-05-04T09:00:00Z',
      until: '2026-05-05T03:00:00Z',
      bucket: 'hour',
    });
    await store.close();
    // What the store holds is what the known invocations make.
    expect(summary).toMatchObject({
      totalSkills: 3,
      totalInvocations: 7,
      mostUsedSkill: 'pytest-runner',
      mostUsedCount: 4,
    });
    expect(summary.overallCompletionRate).toBeCloseTo((5 / 7) * 100, 9);
    expect(summary.avgDurationSeconds).toBeCloseTo(9 / 5, 9);
    const busy = timeline.filter((b) => b.invocations > 0);
    expect(busy.map((b) => [b.bucketStart.slice(0, 13), b.invocations])).toEqual([
      ['2026-05-04T09', 2],
      ['2026-05-04T11', 3],
      ['2026-05-05T02', 2],
    ]);

    const page = await open(file);
    try {
      const { tab } = page;
      expect(await tab.title()).toBe('Skill metrics report');
      expect(await shown(tab, 'skills')).toEqual({ text: '3', value: String(summary.totalSkills) });
      expect(await shown(tab, 'invocations')).toEqual({ text: '7', value: String(summary.totalInvocations) });
      expect(await shown(tab, 'completion-rate')).toEqual({
        text: `${summary.overallCompletionRate.toFixed(1)}%`,
        value: String(summary.overallCompletionRate),
      });
      expect((await shown(tab, 'completion-rate')).text).toBe('71.4%');
      expect(await shown(tab, 'average-duration')).toEqual({
        text: formatSeconds(summary.avgDurationSeconds),
        value: String(summary.avgDurationSeconds),
      });
      expect(await shown(tab, 'most-used')).toEqual({ text: 'pytest-runner', value: 'pytest-runner' });
      expect((await shown(tab, 'most-used-count')).text).toBe('4 invocations');

      // Every skill's row, in the store's order, shows its figures.
      const rows = await tab.$$eval('#skills tbody tr', (trs) =>
        trs.map((tr) => ({
          skill: tr.querySelector('th')?.textContent,
          cells: Object.fromEntries(
            [...tr.querySelectorAll('td')].map((td) => [
              td.dataset.figure,
              { text: td.textContent, value: td.dataset.value },
            ]),
          ),
        })),
      );
      expect(rows.map((r) => r.skill)).toEqual(all.map((m) => m.skillName));
      const cell = (n: number, text: string) => ({ text, value: String(n) });
      const seconds = (s: number | null) =>
        s === null ? { text: '—', value: '' } : { text: formatSeconds(s), value: String(s) };
      for (const [i, m] of all.entries()) {
        expect(rows[i]?.cells, m.skillName).toEqual({
          invocations: cell(m.totalInvocations, String(m.totalInvocations)),
          completed: cell(m.completedInvocations, String(m.completedInvocations)),
          abandoned: cell(m.abandonedInvocations, String(m.abandonedInvocations)),
          'completion-rate': cell(m.completionRate, `${m.completionRate.toFixed(1)}%`),
          average: seconds(m.avgDurationSeconds),
          p50: seconds(m.p50DurationSeconds),
          p95: seconds(m.p95DurationSeconds),
          p99: seconds(m.p99DurationSeconds),
        });
      }
      expect(rows.find((r) => r.skill === 'lint')?.cells.p50).toEqual({ text: '—', value: '' });

      // One mark per hour with finished invocations, each drawn, with the store's counts.
      const marks = await tab.$$eval('#timeline g[data-bucket]', (gs) =>
        gs.map((g) => ({
          bucket: g.getAttribute('data-bucket'),
          invocations: Number(g.getAttribute('data-invocations')),
          completed: Number(g.getAttribute('data-completed')),
          abandoned: Number(g.getAttribute('data-abandoned')),
          height: g.getBoundingClientRect().height,
        })),
      );
      expect(marks.map(({ height, ...m }) => m)).toEqual(
        busy.map((b) => ({
          bucket: b.bucketStart,
          invocations: b.invocations,
          completed: b.completed,
          abandoned: b.abandoned,
        })),
      );
      expect(marks.every((m) => m.height > 0)).toBe(true);
      // The busiest hour's column is the tallest.
      expect(marks[1]?.height).toBeGreaterThan(marks[0]?.height ?? Number.POSITIVE_INFINITY);

      const barsOf = (id: string) =>
        tab.$$eval(`#${id} g[data-label]`, (gs) =>
          gs.map((g) => [g.getAttribute('data-label'), Number(g.getAttribute('data-count'))]),
        );
      expect(await barsOf('workflow-paths')).toEqual([
        ['comprehensive', 2],
        ['quick', 2],
        [EVIL_PATH, 1],
      ]);
      expect(await barsOf('errors')).toEqual([
        [EVIL_ERROR, 1],
        ['TimeoutError', 1],
      ]);
      expect(await barsOf('follow-up-actions')).toEqual([
        [EVIL, 1],
        ['commit', 1],
      ]);

      // Markup in names is text: shown as written, nothing run, no element made of it.
      await expect(tab.locator('#skills tbody th', { hasText: EVIL }).textContent()).resolves.toBe(EVIL);
      expect(await tab.locator('#skills tbody th', { hasText: EVIL }).isVisible()).toBe(true);
      expect(await tab.locator('#workflow-paths text', { hasText: EVIL_PATH }).count()).toBe(1);
      expect(await tab.locator('script, b').count()).toBe(0);
      expect(page.dialogs).toEqual([]);
      expect(page.problems).toEqual([]);
      expect(page.requests).toEqual([page.url]);
    } finally {
      await page.close();
    }
  }, 60_000);

  it('draws a span longer than three days day by day, and a database with nothing finished without a chart', async () => {
    const days = ['2026-06-01T23:30:00Z', '2026-06-01T08:00:00Z', '2026-06-05T12:00:00Z', '2026-06-10T00:00:00Z'];
    const db = await database(
      'days.db',
      days.map((at) => run('deploy', at)),
    );
    const page = await open(await writePage(db, 'days.html'));
    try {
      expect(await page.tab.locator('#timeline h2').textContent()).toBe('Invocations per day (UTC)');
      const marks = await page.tab.$$eval('#timeline g[data-bucket]', (gs) =>
        gs.map((g) => [g.getAttribute('data-bucket'), Number(g.getAttribute('data-invocations'))]),
      );
      expect(marks).toEqual([
        ['2026-06-01T00:00:00.000000Z', 2],
        ['2026-06-05T00:00:00.000000Z', 1],
        ['2026-06-10T00:00:00.000000Z', 1],
      ]);
      expect(page.problems).toEqual([]);
      expect(page.requests).toEqual([page.url]);
    } finally {
      await page.close();
    }

    const empty = await database('pending-only.db', [
      run('deploy', days[0] as string, { completed: false, durationSeconds: null }),
    ]);
    const blank = await open(await writePage(empty, 'pending-only.html'));
    try {
      expect(await shown(blank.tab, 'invocations')).toEqual({ text: '0', value: '0' });
      expect(await shown(blank.tab, 'most-used')).toEqual({ text: '—', value: '' });
      expect(await blank.tab.locator('#timeline').textContent()).toContain('No finished invocation yet.');
      expect(await blank.tab.locator('#timeline svg').count()).toBe(0);
      expect(blank.problems).toEqual([]);
    } finally {
      await blank.close();
    }
  }, 60_000);
});
