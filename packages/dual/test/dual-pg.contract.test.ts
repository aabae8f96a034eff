import { openStore } from '@skill-metrics/core';
import { freshSchemaName, pgTestDatabase } from '@skill-metrics/core/testing/pg';
import { afterAll } from 'vitest';
import { describeDualContract } from './dual-contract.js';

// The dual store over a legacy file and PostgreSQL (the server, or PGlite where there is none): with
// the database shadowed (every read compared with the file's) and with the database alone behind it.
const target = await pgTestDatabase();
/** Each database path's schema: a store reopened on the same paths finds the same tables. */
const schemas = new Map<string, string>();
afterAll(() => target.close(schemas.values()));

describeDualContract(
  target.kind === 'server' ? ', PostgreSQL' : ', PGlite',
  ['verify', 'db'],
  async (paths, engine) => {
    let schema = schemas.get(paths.db);
    if (schema === undefined) {
      schema = freshSchemaName('dual');
      schemas.set(paths.db, schema);
    }
    await target.free();
    return openStore({ url: target.url, schema, ...target.storeOptions, ...engine });
  },
);
