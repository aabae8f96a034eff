/** Where a dual store says what went wrong without failing the call: one line each. */
export interface DualLogger {
  warn(message: string): void;
  error(message: string): void;
}

/** The default: stderr, each line marked as this library's. */
export const STDERR_LOGGER: DualLogger = {
  warn: (message) => process.stderr.write(`skill-metrics: ${message}\n`),
  error: (message) => process.stderr.write(`skill-metrics: error: ${message}\n`),
};

/** A logger that says each distinct message once: a broken flag file is not a line per call. */
export function onceEach(logger: DualLogger): DualLogger {
  const said = new Set<string>();
  const once = (say: (m: string) => void) => (message: string) => {
    if (said.has(message)) return;
    if (said.size > 1000) said.clear();
    said.add(message);
    say(message);
  };
  return { warn: once((m) => logger.warn(m)), error: once((m) => logger.error(m)) };
}
