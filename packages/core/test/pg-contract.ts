import { type EngineOptions, openStore, type PgStore } from '@skill-metrics/core';
import { describeAnalyticsContract, describeStoreContract } from '@skill-metrics/core/testing';
import { freshSchemaName, type PgTestDatabase } from '@skill-metrics/core/testing/pg';
import { afterAll } from 'vitest';

/** The store and analytics contract of `PgStore` on `target`: every test a schema of its own. */
export function describePgContract(target: PgTestDatabase): void {
  const schemas: string[] = [];
  afterAll(() => target.close(schemas));
  const at = async (schema: string, options?: EngineOptions) => {
    await target.free();
    return openStore({ url: target.url, schema, ...target.storeOptions, ...options });
  };
  const freshStore = (options?: EngineOptions) => {
    const schema = freshSchemaName('contract');
    schemas.push(schema);
    return at(schema, options);
  };
  const label = target.kind === 'server' ? 'PgStore' : 'PgStore (PGlite)';
  describeStoreContract(label, { open: freshStore, reopen: (closed) => at((closed as PgStore).schema) });
  describeAnalyticsContract(label, { open: freshStore });
}
