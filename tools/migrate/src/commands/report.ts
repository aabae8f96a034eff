import { openStore } from '@skill-metrics/core';
import type { Io } from '../options.js';

/** Prints the legacy tracker's text report for the database at `db`. */
export async function report(db: string, io: Io): Promise<number> {
  const store = await openStore({ path: db });
  try {
    io.out(await store.generateReport());
    return 0;
  } finally {
    await store.close();
  }
}
