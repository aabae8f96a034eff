import { openStore } from '@skill-metrics/core';
import { checkConsistency } from '@skill-metrics/dual';
import { backfill } from '../backfill/backfill.js';
import { progressView } from '../backfill/progress.js';
import { type Command, intOption, stringOption } from '../options.js';
import { legacyFileArg, timeZoneArg } from './open.js';

const count = (n: number) => n.toLocaleString('en');

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
    const db = await openStore({ path: args.values.db });
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
      io.out(`${dryRun ? 'Dry run of' : 'Backfilled'} ${report.file} into ${db.path}`);
      io.out(
        `naive times read in ${report.timeZone}${timeZone === undefined ? " (this machine's zone; --tz to change)" : ''}`,
      );
      if (report.resumedFrom > 0) io.out(`resumed after ${count(report.resumedFrom)} invocations already in`);
      io.out(`read:        ${count(report.read)} invocations (${count(report.pending)} pending, kept pending)`);
      if (dryRun) io.out(`would give:  ${count(report.inserted)} to the database; nothing written`);
      else {
        io.out(`inserted:    ${count(report.inserted)}`);
        io.out(`completed:   ${count(report.completed)} (pending in the database, finished in the file)`);
        io.out(`unchanged:   ${count(report.unchanged)} (already there)`);
      }
      io.out(`elapsed:     ${(report.elapsedMs / 1000).toFixed(1)} s`);
      if (report.stopped) {
        io.out('Stopped at a batch boundary. Run the same command again to resume where it stopped.');
        return 130;
      }
      if (report.quirks.length > 0) {
        io.out('quirks of the file (expected, named):');
        for (const q of report.quirks) io.out(`  ${q.kind}: ${count(q.count)} — ${q.detail}`);
      }
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
