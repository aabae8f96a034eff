/**
 * Waiting for another connection's write lock. SQLite's own busy handler sleeps in steps of up to
 * 100 ms, so a waiter can sleep through the moment a long import frees the lock between chunks;
 * this waits a few milliseconds at a time, letting the event loop run meanwhile.
 */

const isBusy = (error: unknown) => {
  const code = (error as { code?: unknown }).code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' || code === 'SQLITE_LOCKED';
};

/**
 * Runs `work` — a whole transaction or one statement, on a connection whose `busy_timeout` is 0 —
 * and, while another connection holds the lock, runs it again every few milliseconds, up to
 * `timeoutMs`. Nothing of a busy attempt is kept: SQLite refuses `BEGIN IMMEDIATE`, or the
 * statement, before it changes anything. The last busy error is rethrown at the deadline.
 */
export async function whenFree<T>(work: () => T, timeoutMs: number): Promise<T> {
  try {
    return work();
  } catch (error) {
    if (!isBusy(error)) throw error;
  }
  const deadline = Date.now() + timeoutMs;
  for (let wait = 1; ; wait = Math.min(wait + 1, 3)) {
    await new Promise((resolve) => setTimeout(resolve, wait));
    try {
      return work();
    } catch (error) {
      if (!isBusy(error) || Date.now() >= deadline) throw error;
    }
  }
}
