import { SkillMetricsError } from '@skill-metrics/core';
import { checkConsistency } from '@skill-metrics/dual';
import { type Command, stringOption } from '../options.js';
import { lastMismatchSeq, saveCheckSummary, summarizeCheck } from '../rollout/evidence.js';
import { databaseArg, openForReading } from './database.js';
import { legacyFileArg, timeZoneArg } from './open.js';
import { writeReportFiles } from './report-files.js';

export const checkCommand: Command = {
  summary: 'compare a legacy file with the database; exit 1 on any difference but named quirks',
  usage: '<legacy.json> [--out DIR] [--tz ZONE]',
  options: { out: { type: 'string' }, tz: { type: 'string' } },
  positionals: [1, 1],
  async run(args, io) {
    const file = legacyFileArg(args.positionals[0] as string);
    const timeZone = timeZoneArg(stringOption(args, 'tz'));
    const target = databaseArg(args);
    const db = await openForReading(target);
    try {
      const startedAtMs = Date.now();
      const mismatchSeq = await lastMismatchSeq(db);
      const report = await checkConsistency(
        timeZone === undefined ? { legacyFile: file } : { legacyFile: file, timeZone },
        db,
      );
      const out = stringOption(args, 'out');
      io.out(report.toMarkdown());
      if (out !== undefined) io.out(`\nreport: ${writeReportFiles(report, out).json}, report.md, report.html`);
      // The evidence `rollout advance` asks for; the check's own answer stands without it.
      await saveCheckSummary(target, summarizeCheck(report, startedAtMs, mismatchSeq)).catch((error: unknown) => {
        if (!(error instanceof SkillMetricsError)) throw error;
        io.err(`skill-metrics: the check's summary for rollout is not saved: ${error.message}`);
      });
      return report.ok ? 0 : 1;
    } finally {
      await db.close();
    }
  },
};
