import { openStore } from '@skill-metrics/core';
import { dropSchemas, freshSchemaName, PG_URL, pgServerAnswers } from '@skill-metrics/core/testing/pg';
import { afterAll, describe, it } from 'vitest';
import { describeDualContract } from './dual-contract.js';

// The dual store over a legacy file and PostgreSQL: with the database shadowed (every read compared
// with the file's) and with the database alone behind the dual store.
const server = await pgServerAnswers();
/** Each database path's schema: a store reopened on the same paths finds the same tables. */
const schemas = new Map<string, string>();
afterAll(() => dropSchemas(schemas.values()));

if (server) {
  describeDualContract(', PostgreSQL', ['verify', 'db'], (paths, engine) => {
    let schema = schemas.get(paths.db);
    if (schema === undefined) {
      schema = freshSchemaName('dual');
      schemas.set(paths.db, schema);
    }
    return openStore({ url: PG_URL, schema, ...engine });
  });
} else {
  describe('DualStore over PostgreSQL', () => {
    it.skip(`needs a PostgreSQL server at ${PG_URL}`, () => {});
  });
}
