import { formatEpochMs } from '@skill-metrics/core/contract';
import type { Guardrail } from '../guardrail.js';
import type { DualLogger } from '../logger.js';
import type { Side, StorageMode } from '../modes.js';
import type { DualTelemetry } from '../telemetry.js';
import { diffAnswers, type FieldDiff } from './diff.js';
import type { Mismatch, Publisher } from './publisher.js';

export interface VerifyOptions {
  /** The share of reads also served by the other store and compared, 0–1. @default 0.01 */
  sampleRate?: number;
  /** How long the other store may take; past it the comparison counts as timed out. @default 50 */
  timeBudgetMs?: number;
  /** Comparisons running at once, at most; a sampled read beyond it is not compared. @default 4 */
  maxConcurrent?: number;
  /** The wait before a differing read is asked again, in ms (doubled at each of up to 3 retries). @default 25 */
  retryDelayMs?: number;
  /** @default Math.random */
  random?: () => number;
}

/** How many times a differing read is asked again before it counts as a mismatch. */
const RACE_RETRIES = 3;

/** One read, as the verifier runs it. */
export interface ShadowRead<T> {
  read: string;
  args: unknown[];
  mode: StorageMode;
  primary: Side;
  context: Mismatch['context'];
  fromPrimary: () => Promise<T>;
  fromSecondary: () => Promise<T>;
  /** Waits for the writes still owed to the secondary, so that both answer for the same writes. */
  catchUp: () => Promise<void>;
  percentiles?: boolean;
}

export interface VerifyStats {
  compared: number;
  matched: number;
  mismatched: number;
  /** Differed at first, agreed when asked again: a write raced the comparison. */
  raced: number;
  /**
   * Differed every time it was asked, but the primary's answer changed while the secondary was
   * read each time: writes still landing, so no verdict (neither compared nor a mismatch).
   */
  unsettled: number;
  timedOut: number;
  /** The secondary failed to answer. */
  failed: number;
  /** Sampled but not compared: `maxConcurrent` comparisons were running. */
  skipped: number;
}

class TimedOut extends Error {}

function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimedOut()), ms);
    timer.unref();
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

/**
 * Shadow reads, as GitHub's Scientist runs experiments: the caller gets the primary's answer (or
 * error) as if there were no experiment; a sample of reads is also asked of the secondary, in the
 * background, within a time budget and a cap on how many run at once. A difference is asked again
 * once after a short delay — a write racing the comparison is not a mismatch — and then published
 * with a field-level diff. Nothing the secondary does reaches the caller.
 */
export class Verifier {
  readonly stats: VerifyStats = {
    compared: 0,
    matched: 0,
    mismatched: 0,
    raced: 0,
    unsettled: 0,
    timedOut: 0,
    failed: 0,
    skipped: 0,
  };
  readonly #o: Required<VerifyOptions>;
  readonly #publisher: Publisher;
  readonly #guardrail: Guardrail | null;
  readonly #logger: DualLogger;
  readonly #running = new Set<Promise<void>>();

  readonly #telemetry: DualTelemetry | null;

  constructor(
    options: VerifyOptions,
    publisher: Publisher,
    guardrail: Guardrail | null,
    logger: DualLogger,
    telemetry: DualTelemetry | null = null,
  ) {
    this.#telemetry = telemetry;
    this.#o = {
      sampleRate: options.sampleRate ?? 0.01,
      timeBudgetMs: options.timeBudgetMs ?? 50,
      maxConcurrent: options.maxConcurrent ?? 4,
      retryDelayMs: options.retryDelayMs ?? 25,
      random: options.random ?? Math.random,
    };
    const { sampleRate, timeBudgetMs, maxConcurrent, retryDelayMs } = this.#o;
    if (!(sampleRate >= 0 && sampleRate <= 1))
      throw new TypeError(`verify.sampleRate must be in [0, 1], got ${sampleRate}`);
    for (const [name, value] of Object.entries({ timeBudgetMs, maxConcurrent, retryDelayMs })) {
      if (!(Number.isFinite(value) && value >= 0))
        throw new TypeError(`verify.${name} must be a number ≥ 0, got ${value}`);
    }
    this.#publisher = publisher;
    this.#guardrail = guardrail;
    this.#logger = logger;
  }

  /** Answers from the primary; compares in the background when the read is sampled. */
  run<T>(shadow: ShadowRead<T>): Promise<T> {
    const answer = shadow.fromPrimary();
    if (this.#o.sampleRate === 0 || this.#o.random() >= this.#o.sampleRate) return answer;
    if (this.#running.size >= this.#o.maxConcurrent) {
      this.stats.skipped++;
      return answer;
    }
    const comparison = this.#compare(shadow, answer).finally(() => this.#running.delete(comparison));
    this.#running.add(comparison);
    return answer;
  }

  /** Waits for the comparisons running now. */
  async settled(): Promise<void> {
    await Promise.all([...this.#running]);
  }

  async #compare<T>(shadow: ShadowRead<T>, answer: Promise<T>): Promise<void> {
    let primary: T;
    try {
      primary = await answer;
    } catch {
      return; // The caller has the primary's error; there is nothing to compare.
    }
    try {
      let diff = await this.#differences(shadow, primary);
      // Writes that land between the two reads differ without a fault: ask both again, a few times
      // and further apart, before a difference counts — and only if the primary's answer held
      // still while the secondary was read.
      let moving = false;
      for (let retry = 0; diff.length > 0 && retry < RACE_RETRIES; retry++) {
        await new Promise((resolve) => setTimeout(resolve, this.#o.retryDelayMs * 2 ** retry));
        const before = await shadow.fromPrimary();
        diff = await this.#differences(shadow, before);
        if (diff.length === 0) this.stats.raced++;
        else moving = diffAnswers(before, await shadow.fromPrimary(), this.#diffOptions(shadow)).length > 0;
      }
      if (diff.length > 0 && moving) {
        this.stats.unsettled++;
        return;
      }
      this.stats.compared++;
      this.#guardrail?.recordComparison(diff.length > 0);
      if (diff.length === 0) {
        this.stats.matched++;
        this.#telemetry?.compared('match');
        return;
      }
      this.stats.mismatched++;
      this.#telemetry?.compared('mismatch');
      await this.#publish(shadow, diff);
    } catch (error) {
      if (error instanceof TimedOut) {
        this.stats.timedOut++;
        this.#telemetry?.compared('timed_out');
      } else this.stats.failed++;
    }
  }

  async #differences<T>(shadow: ShadowRead<T>, primary: T): Promise<FieldDiff[]> {
    const secondary = await within(
      this.#o.timeBudgetMs,
      shadow.catchUp().then(() => shadow.fromSecondary()),
    );
    return diffAnswers(primary, secondary, this.#diffOptions(shadow));
  }

  #diffOptions<T>(shadow: ShadowRead<T>): { percentiles: boolean } {
    return { percentiles: shadow.percentiles === true };
  }

  async #publish<T>(shadow: ShadowRead<T>, diff: FieldDiff[]): Promise<void> {
    const mismatch: Mismatch = {
      read: shadow.read,
      args: shadow.args,
      mode: shadow.mode,
      primary: shadow.primary,
      context: shadow.context,
      at: formatEpochMs(Date.now()),
      diff,
    };
    try {
      await this.#publisher.publish(mismatch);
    } catch (error) {
      this.#logger.warn(`a mismatch could not be published: ${(error as Error).message}`);
    }
  }
}
