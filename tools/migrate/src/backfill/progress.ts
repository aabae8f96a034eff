import cliProgress from 'cli-progress';
import type { BackfillProgress } from './backfill.js';

/** Shows a long run's progress: a bar on a terminal, a plain line every few seconds elsewhere. */
export interface ProgressView {
  update(progress: BackfillProgress): void;
  stop(): void;
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** Sets how often plain progress lines come, in ms (for tests and slow logs); the default is 5 s. */
export const PROGRESS_INTERVAL_ENV = 'SKILL_METRICS_PROGRESS_MS';
const DEFAULT_INTERVAL_MS = 5000;

/**
 * The interval `PROGRESS_INTERVAL_ENV` asks for, else the default. A bad value is said on `stream`
 * and the default kept: how often a line comes is no reason to refuse a backfill.
 */
function intervalFromEnv(stream: NodeJS.WritableStream): number {
  const text = process.env[PROGRESS_INTERVAL_ENV];
  if (text === undefined || text === '') return DEFAULT_INTERVAL_MS;
  if (/^\d+$/.test(text)) return Number(text);
  stream.write(
    `skill-metrics: ${PROGRESS_INTERVAL_ENV} must be a whole number of milliseconds, got ${JSON.stringify(text)}; using ${DEFAULT_INTERVAL_MS}\n`,
  );
  return DEFAULT_INTERVAL_MS;
}

/**
 * The view for `stream`: a `cli-progress` bar when it is a terminal, else plain lines every
 * `everyMs` (default: `PROGRESS_INTERVAL_ENV`, else 5 s).
 */
export function progressView(stream: NodeJS.WriteStream, label: string, everyMs?: number): ProgressView {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: `${label} {bar} {percentage}% | {read} invocations | {rate}/s | ETA {eta_formatted}`,
        hideCursor: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    let begun = false;
    const t0 = Date.now();
    return {
      update(p) {
        const rate = Math.round(p.read / Math.max((Date.now() - t0) / 1000, 0.001));
        if (!begun) {
          bar.start(p.bytes, p.offset, { read: p.read, rate });
          begun = true;
        } else bar.update(p.offset, { read: p.read, rate });
      },
      stop: () => {
        if (begun) bar.stop();
      },
    };
  }
  const interval = everyMs ?? intervalFromEnv(stream);
  const t0 = Date.now();
  let last = t0;
  return {
    update(p) {
      const now = Date.now();
      if (now - last < interval) return;
      last = now;
      const seconds = (now - t0) / 1000;
      const rate = p.read / seconds;
      const left = p.offset > 0 ? ((p.bytes - p.offset) * seconds) / p.offset : 0;
      stream.write(
        `${label}: ${p.read.toLocaleString('en')} invocations, ${mb(p.offset)} of ${mb(p.bytes)}, ${Math.round(rate).toLocaleString('en')}/s, about ${Math.ceil(left)} s left\n`,
      );
    },
    stop: () => undefined,
  };
}
