import { checkConsistency } from '@skill-metrics/dual';
import { backfill } from '../backfill/backfill.js';
import { progressView } from '../backfill/progress.js';
import { type Command, intOption, stringOption } from '../options.js';
import { count, printBackfillReport } from './backfill-summary.js';
import { databaseArg, openDatabase } from './database.js';
import { legacyFileArg, timeZoneArg } from './open.js';

export const backfillCommand: Command = {
  summary: 'stream a legacy JSON file into the database (resumable)',
  usage: '<legacy.json> [--tz ZONE] [--dry-run] [--batch N] [--restart]',
  options: {
    tz: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    batch: { type: 'string' },
    restart: { type: 'boolean', default: false },
  },
  positionals: [1, 1],
  async run(args, io) {
    const file = legacyFileArg(args.positionals[0] as string);
    const timeZone = timeZoneArg(stringOption(args, 'tz'));
    const batchSize = intOption(args, 'batch');
    const dryRun = args.values['dry-run'] === true;
    const target = databaseArg(args);
    const db = await openDatabase(target);
    const stop = new AbortController();
    const onInterrupt = () => stop.abort();
    process.once('SIGINT', onInterrupt);
    const view = progressView(io.progress ?? process.stderr, dryRun ? 'reading' : 'backfill');
    try {
      const report = await backfill({
        file,
        db,
        ...(timeZone === undefined ? {} : { timeZone }),
        ...(batchSize === undefined ? {} : { batchSize }),
        dryRun,
        restart: args.values.restart === true,
        onProgress: (p) => view.update(p),
        signal: stop.signal,
      });
      view.stop();
      printBackfillReport(report, { database: target.name, zoneGiven: timeZone !== undefined }, io);
      if (report.stopped) return 130;
      if (dryRun) return 0;
      const check = await checkConsistency({ legacyFile: file, timeZone: report.timeZone }, db);
      io.out(
        check.ok
          ? `consistency: the file and the database agree (${count(check.compared)} invocations compared; only named quirks differ)`
          : `consistency: ${check.verdict} (skill-metrics check ${report.file} for the report)`,
      );
      return check.ok ? 0 : 1;
    } finally {
      view.stop();
      process.off('SIGINT', onInterrupt);
      await db.close();
    }
  },
};
