import { type EngineOptions, openStore, type PgStore } from '@skill-metrics/core';
import { describeAnalyticsContract, describeStoreContract } from '@skill-metrics/core/testing';
import { dropSchemas, freshSchemaName, PG_URL, pgServerAnswers } from '@skill-metrics/core/testing/pg';
import { afterAll, describe, it } from 'vitest';

const server = await pgServerAnswers();
const schemas: string[] = [];
afterAll(() => dropSchemas(schemas));

/** A store in a schema of its own: every test starts from an empty database. */
const freshStore = (options?: EngineOptions) => {
  const schema = freshSchemaName('contract');
  schemas.push(schema);
  return openStore({ url: PG_URL, schema, ...options });
};

if (server) {
  describeStoreContract('PgStore', {
    open: freshStore,
    reopen: (closed) => openStore({ url: PG_URL, schema: (closed as PgStore).schema }),
  });
  describeAnalyticsContract('PgStore', { open: freshStore });
} else {
  describe('PgStore', () => {
    it.skip(`needs a PostgreSQL server at ${PG_URL}`, () => {});
  });
}
