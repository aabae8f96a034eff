import type { Io } from '../options.js';
import { openForReading } from './open.js';

/** Prints the legacy tracker's text report for the database at `db`. */
export async function report(db: string, io: Io): Promise<number> {
  const store = await openForReading(db);
  try {
    io.out(await store.generateReport());
    return 0;
  } finally {
    await store.close();
  }
}
