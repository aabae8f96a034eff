import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ConsistencyReport } from '@skill-metrics/dual';

/** Where a consistency report was written. */
export interface ReportFiles {
  json: string;
  markdown: string;
  html: string;
}

/** Writes a consistency report into `dir` (made if missing) as report.json, report.md and report.html. */
export function writeReportFiles(report: ConsistencyReport, dir: string): ReportFiles {
  const full = resolve(dir);
  mkdirSync(full, { recursive: true });
  const files = { json: join(full, 'report.json'), markdown: join(full, 'report.md'), html: join(full, 'report.html') };
  writeFileSync(files.json, `${JSON.stringify(report.toJSON(), null, 2)}\n`);
  writeFileSync(files.markdown, report.toMarkdown());
  writeFileSync(files.html, report.toHtml());
  return files;
}
