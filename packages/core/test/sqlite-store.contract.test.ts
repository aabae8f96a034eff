import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EngineOptions, openStore, type SqliteStore } from '@skill-metrics/core';
import { describeAnalyticsContract, describeStoreContract } from '@skill-metrics/core/testing';

const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-contract-'));
let n = 0;
const fileStore = (options?: EngineOptions) => openStore({ path: join(dir, `store-${n++}.db`), ...options });

describeStoreContract('SqliteStore (file)', {
  open: fileStore,
  reopen: (closed) => openStore({ path: (closed as SqliteStore).path }),
});
describeStoreContract('SqliteStore (:memory:)', { open: (options) => openStore({ path: ':memory:', ...options }) });
describeAnalyticsContract('SqliteStore', { open: fileStore });
