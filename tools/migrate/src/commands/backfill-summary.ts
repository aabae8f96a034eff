import type { BackfillReport } from '../backfill/backfill.js';
import type { Io } from '../options.js';

/** A count as the CLI prints it: `12,345`. */
export const count = (n: number) => n.toLocaleString('en');

/**
 * Prints what a backfill did: the file and database, the zone its naive times were read in, the
 * counts, and the file's named quirks (or, when it stopped early, how to resume).
 */
export function printBackfillReport(
  report: BackfillReport,
  where: { database: string; zoneGiven: boolean },
  io: Io,
): void {
  io.out(`${report.dryRun ? 'Dry run of' : 'Backfilled'} ${report.file} into ${where.database}`);
  io.out(`naive times read in ${report.timeZone}${where.zoneGiven ? '' : " (this machine's zone; --tz to change)"}`);
  if (report.resumedFrom > 0) io.out(`resumed after ${count(report.resumedFrom)} invocations already in`);
  io.out(`read:        ${count(report.read)} invocations (${count(report.pending)} pending, kept pending)`);
  if (report.dryRun) io.out(`would give:  ${count(report.inserted)} to the database; nothing written`);
  else {
    io.out(`inserted:    ${count(report.inserted)}`);
    io.out(`completed:   ${count(report.completed)} (pending in the database, finished in the file)`);
    io.out(`unchanged:   ${count(report.unchanged)} (already there)`);
  }
  io.out(`elapsed:     ${(report.elapsedMs / 1000).toFixed(1)} s`);
  if (report.stopped) {
    io.out('Stopped at a batch boundary. Run the same command again to resume where it stopped.');
    return;
  }
  if (report.quirks.length > 0) {
    io.out('quirks of the file (expected, named):');
    for (const q of report.quirks) io.out(`  ${q.kind}: ${count(q.count)} — ${q.detail}`);
  }
}
