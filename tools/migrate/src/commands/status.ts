import { notesOf } from '@skill-metrics/core';
import { FLAG_FILE_ENV, GUARDRAIL_KEY, MISMATCH_NOTE, MODE_ENV, OWED_NOTE } from '@skill-metrics/dual';
import { CHECKPOINT_KEY } from '../backfill/backfill.js';
import type { Command } from '../options.js';
import { databaseArg, openForReading } from './database.js';

/** Where the storage mode comes from in this environment. */
function flagSource(env: NodeJS.ProcessEnv): string {
  if (env[MODE_ENV]) return `${MODE_ENV}=${env[MODE_ENV]}`;
  if (env[FLAG_FILE_ENV]) return `${FLAG_FILE_ENV}=${env[FLAG_FILE_ENV]}`;
  return `neither ${MODE_ENV} nor ${FLAG_FILE_ENV} is set: legacy`;
}

export const statusCommand: Command = {
  summary: 'schema version, counts, what is owed, mismatches, the guardrail',
  usage: '[--json]',
  options: { json: { type: 'boolean', default: false } },
  positionals: [0, 0],
  async run(args, io) {
    const target = databaseArg(args);
    const store = await openForReading(target);
    try {
      const applied = await store.appliedMigrations();
      const last = applied.at(-1);
      const notes = notesOf(store);
      const status = {
        database: target.name,
        schemaVersion: last?.version ?? null,
        schemaDescription: last?.description ?? null,
        flag: flagSource(process.env),
        skills: (await store.getSummary()).totalSkills,
        invocations: {
          completed: await store.countInvocations({ status: 'completed' }),
          abandoned: await store.countInvocations({ status: 'abandoned' }),
          pending: await store.countInvocations({ status: 'pending' }),
        },
        owed: (await notes?.count(OWED_NOTE)) ?? 0,
        mismatches: (await notes?.count(MISMATCH_NOTE)) ?? 0,
        guardrail: (await notes?.getState(GUARDRAIL_KEY)) ?? null,
        backfillCheckpoint: (await notes?.getState(CHECKPOINT_KEY)) ?? null,
      };
      if (args.values.json) {
        io.out(JSON.stringify(status, null, 2));
        return 0;
      }
      io.out(`database:       ${status.database}`);
      io.out(`schema version: ${last ? `${last.version} (${last.description})` : 'none'}`);
      io.out(`mode from:      ${status.flag}`);
      io.out(`skills:         ${status.skills}`);
      io.out(`finished:       ${status.invocations.completed + status.invocations.abandoned}`);
      io.out(`  completed:    ${status.invocations.completed}`);
      io.out(`  abandoned:    ${status.invocations.abandoned}`);
      io.out(`pending:        ${status.invocations.pending}`);
      io.out(`owed writes:    ${status.owed} (skill-metrics repair writes them)`);
      io.out(`mismatches:     ${status.mismatches}`);
      io.out(`guardrail:      ${status.guardrail ? JSON.stringify(status.guardrail) : 'not holding'}`);
      if (status.backfillCheckpoint)
        io.out(`backfill:       stopped part way: ${JSON.stringify(status.backfillCheckpoint)}`);
      return 0;
    } finally {
      await store.close();
    }
  },
};
