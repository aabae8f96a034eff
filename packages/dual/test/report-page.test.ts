import { existsSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { testInvocation } from '@skill-metrics/core/testing';
import { checkConsistency } from '@skill-metrics/dual';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { freshPaths, openDual } from './stores.js';

const CHROMIUM = '/usr/bin/chromium';
const present = existsSync(CHROMIUM);
if (!present && process.env.CI === 'true')
  throw new Error(`${CHROMIUM} is missing: CI needs Debian's chromium package`);
if (!present) console.log(`report page test skipped: no ${CHROMIUM} (apt-get install -y chromium)`);

describe.runIf(present)('the consistency report page', () => {
  it('renders in Chromium with no console error and no request, and shows the figures the JSON has', async () => {
    const store = await openDual(freshPaths(), { mode: 'dual-write' });
    for (let i = 0; i < 12; i++) await store.track(`skill-${i % 3}`, () => i);
    await store.flush();
    await store.legacy.recordInvocation(testInvocation({ id: 'only-left', skillName: 'skill-<b>' }));
    await store.db.recordInvocation(testInvocation({ id: 'only-right' }));
    await store.db.recordInvocation(testInvocation({ id: 'only-right-2' }));
    const report = await checkConsistency(store.legacy, store.db);
    await store.close();
    const json = report.toJSON();
    expect(json.ok).toBe(false);
    const page = `${freshPaths().legacy}.html`;
    writeFileSync(page, report.toHtml());

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    });
    try {
      const tab = await browser.newPage();
      const problems: string[] = [];
      const requests: string[] = [];
      tab.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
      });
      tab.on('pageerror', (e) => problems.push(String(e)));
      tab.on('request', (r) => requests.push(r.url()));
      const url = pathToFileURL(page).href;
      await tab.goto(url);
      expect(problems).toEqual([]);
      expect(requests).toEqual([url]);
      expect(await tab.title()).toBe('Consistency check: differences');
      const figure = (name: string) => tab.locator(`[data-figure="${name}"]`).first().textContent();
      expect(Number(await figure('compared'))).toBe(json.compared);
      expect(Number(await figure('left-invocations'))).toBe(json.left.invocations);
      expect(Number(await figure('right-invocations'))).toBe(json.right.invocations);
      expect(await figure('verdict')).toBe(json.verdict);
      const barsOf = (id: string) =>
        tab.$$eval(`#${id} g[data-label]`, (gs) =>
          gs.map((g) => [g.getAttribute('data-label'), Number(g.getAttribute('data-count'))]),
        );
      expect(Object.fromEntries(await barsOf('by-class'))).toEqual(json.counts);
      const bySkill = Object.fromEntries(
        Object.entries(json.bySkill).map(([skill, counts]) => [
          skill,
          Object.values(counts).reduce((a, b) => a + (b ?? 0), 0),
        ]),
      );
      expect(Object.fromEntries(await barsOf('by-skill'))).toEqual(bySkill);
      // The skill named with markup is shown as text, not as markup.
      expect(await tab.locator('#by-skill text', { hasText: 'skill-<b>' }).count()).toBe(1);
      const embedded = await tab.$eval('#report-json', (s) => JSON.parse(s.textContent ?? 'null'));
      expect(embedded).toEqual(json);
      // Each bar is drawn, and longer for a larger count.
      const widths = await tab.$$eval('#by-class rect', (rs) => rs.map((r) => r.getBoundingClientRect().width));
      expect(widths.every((w) => w > 0)).toBe(true);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
