import { type Command, intOption, stringOption, UsageError } from '../options.js';
import { flagFileArg } from '../rollout/flag-file.js';
import { ListenError, startMetricsServer } from '../serve/server.js';
import { databaseArg, openForReading } from './database.js';

/** The port of the OpenTelemetry Prometheus exporter, for a scrape config that expects it. */
export const DEFAULT_SERVE_PORT = 9464;

/** Resolves at SIGINT or SIGTERM. */
function untilStopped(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export const serveCommand: Command = {
  summary: 'serve /metrics (Prometheus), / (the report page) and /healthz from the database',
  usage: '[--port N] [--host ADDR] [--flag-file FILE]',
  options: { port: { type: 'string' }, host: { type: 'string' }, 'flag-file': { type: 'string' } },
  positionals: [0, 0],
  async run(args, io) {
    const port = intOption(args, 'port') ?? DEFAULT_SERVE_PORT;
    if (port > 65_535) throw new UsageError(`--port must be 0–65535, got ${port}`);
    const host = stringOption(args, 'host') ?? '127.0.0.1';
    if (host === '') throw new UsageError('--host must name an address, e.g. 127.0.0.1 or 0.0.0.0');
    const flag = flagFileArg(stringOption(args, 'flag-file'), process.env);
    const target = databaseArg(args);
    const store = await openForReading(target);
    try {
      let server: Awaited<ReturnType<typeof startMetricsServer>>;
      try {
        server = await startMetricsServer(store, { host, port, flagFile: flag.path, log: io.err });
      } catch (error) {
        if (!(error instanceof ListenError)) throw error;
        io.err(`skill-metrics: cannot listen on ${host} port ${port}: ${(error as Error).message}`);
        return 2;
      }
      io.out(`serving ${target.name} at ${server.url}: /metrics, / (report), /healthz; flag file ${flag.path}`);
      await untilStopped();
      await server.close();
      return 0;
    } finally {
      await store.close();
    }
  },
};
