import { resolve } from 'node:path';
import { openDualStore } from '@skill-metrics/dual';
import { DEFAULT_LEGACY_PATH, openLegacyStore } from '@skill-metrics/json-legacy';
import { type Command, stringOption } from '../options.js';
import { databaseArg, openDatabase } from './database.js';
import { legacyFileArg, timeZoneArg } from './open.js';

export const repairCommand: Command = {
  summary: 'bring the legacy file and the database to the same invocations',
  usage: '[<legacy.json>] [--tz ZONE]',
  options: { tz: { type: 'string' } },
  positionals: [0, 1],
  async run(args, io) {
    const file = legacyFileArg(args.positionals[0] ?? resolve(DEFAULT_LEGACY_PATH));
    const timeZone = timeZoneArg(stringOption(args, 'tz'));
    const legacy = await openLegacyStore({ path: file, ...(timeZone === undefined ? {} : { timeZone }) });
    const target = databaseArg(args);
    const store = await openDualStore({ legacy, db: await openDatabase(target), flag: 'legacy' });
    try {
      const r = await store.repair();
      io.out(`Repaired ${file} and ${target.name}`);
      io.out(`checked:   ${r.checked.legacy} in the file, ${r.checked.db} in the database`);
      io.out(`copied:    ${r.copied.legacy} into the file, ${r.copied.db} into the database`);
      io.out(`completed: ${r.completed.legacy} in the file, ${r.completed.db} in the database`);
      io.out(`journal:   ${r.journalCleared} owed writes cleared`);
      for (const c of r.conflicts)
        io.out(`conflict:  ${c.id} finished differently: ${c.diff.map((d) => d.path).join(', ')}`);
      for (const f of r.failed) io.out(`failed:    ${f.id} into ${f.side}: ${f.error}`);
      return r.conflicts.length + r.failed.length > 0 ? 1 : 0;
    } finally {
      await store.close();
    }
  },
};
