import { formatEpochMs, type StoreNotes } from '@skill-metrics/core/contract';
import type { DualLogger } from './logger.js';
import { type StorageMode, stepBack } from './modes.js';

export interface GuardrailOptions {
  /** The compared reads and secondary writes looked at: the last `events` of each. @default 500 */
  events?: number;
  /** …and none older than this, in ms. @default 600000 (10 minutes) */
  windowMs?: number;
  /** The mismatch rate over the window above which the rollout is held back a step. @default 0.01 */
  maxMismatchRate?: number;
  /** The secondary-error rate over the window above which it is held back. @default 0.05 */
  maxSecondaryErrorRate?: number;
  /** Fewer events than this in the window decide nothing. @default 20 */
  minEvents?: number;
  /** How often, at most, the state kept in the database is read again, in ms. @default 1000 */
  refreshMs?: number;
  /** @default Date.now */
  now?: () => number;
}

/** Why and since when the rollout is held back; kept in the database until an operator clears it. */
export interface GuardrailState {
  held: true;
  reason: 'mismatch-rate' | 'secondary-error-rate';
  /** Canonical timestamp. */
  since: string;
  rate: number;
  threshold: number;
  events: number;
  windowMs: number;
}

/** The key of the guardrail's state in the database's store state. */
export const GUARDRAIL_KEY = 'dual.guardrail';

/** The last `size` events no older than `windowMs`: whether each was bad, and when. */
class Window {
  readonly #at: number[] = [];
  readonly #bad: boolean[] = [];
  #badCount = 0;

  constructor(
    readonly size: number,
    readonly windowMs: number,
  ) {}

  add(bad: boolean, now: number): void {
    this.#at.push(now);
    this.#bad.push(bad);
    if (bad) this.#badCount++;
    if (this.#at.length > this.size) this.#drop();
  }

  /** [events, bad events] within the window at `now`. */
  figures(now: number): [number, number] {
    while (this.#at.length > 0 && (this.#at[0] as number) < now - this.windowMs) this.#drop();
    return [this.#at.length, this.#badCount];
  }

  /** Forgets every event: a hold lifted starts from a fresh window. */
  empty(): void {
    this.#at.length = 0;
    this.#bad.length = 0;
    this.#badCount = 0;
  }

  #drop(): void {
    this.#at.shift();
    if (this.#bad.shift()) this.#badCount--;
  }
}

/**
 * Holds the rollout back a step when the mismatch rate of compared reads, or the error rate of
 * secondary writes, crosses its threshold over the window: new invocations get the mode before
 * theirs in rollout order. The state is kept in the database's store state (when the database
 * keeps notes), so every process holds back alike and `status` shows it, until `clear()`.
 */
export class Guardrail {
  readonly #o: Required<GuardrailOptions>;
  readonly #notes: StoreNotes | null;
  readonly #logger: DualLogger;
  readonly #reads: Window;
  readonly #writes: Window;
  #state: GuardrailState | null = null;
  /** Whether `#state` is in the database: then its absence there means an operator cleared it. */
  #stored = false;
  #readAt = Number.NEGATIVE_INFINITY;
  #refreshing: Promise<void> | null = null;

  constructor(options: GuardrailOptions, notes: StoreNotes | null, logger: DualLogger) {
    this.#o = {
      events: options.events ?? 500,
      windowMs: options.windowMs ?? 600_000,
      maxMismatchRate: options.maxMismatchRate ?? 0.01,
      maxSecondaryErrorRate: options.maxSecondaryErrorRate ?? 0.05,
      minEvents: options.minEvents ?? 20,
      refreshMs: options.refreshMs ?? 1000,
      now: options.now ?? Date.now,
    };
    for (const [name, value] of Object.entries(this.#o)) {
      if (name !== 'now' && (typeof value !== 'number' || !(value >= 0))) {
        throw new TypeError(`guardrail.${name} must be a number ≥ 0, got ${String(value)}`);
      }
    }
    this.#notes = notes;
    this.#logger = logger;
    this.#reads = new Window(this.#o.events, this.#o.windowMs);
    this.#writes = new Window(this.#o.events, this.#o.windowMs);
  }

  /**
   * The mode a new invocation gets: `mode`, or the one before it while the rollout is held. Never
   * waits for the database: the state kept there is read again in the background, at most every
   * `refreshMs`, so a hold tripped in another process takes effect here within about that long.
   */
  adjust(mode: StorageMode): StorageMode {
    this.#refreshIfDue();
    return this.#state ? stepBack(mode) : mode;
  }

  /** The state in force, read again from the database first if it is due. */
  async state(): Promise<GuardrailState | null> {
    await this.#refreshIfDue();
    return this.#state;
  }

  #refreshIfDue(): Promise<void> | undefined {
    if (this.#notes === null || this.#o.now() - this.#readAt < this.#o.refreshMs) return this.#refreshing ?? undefined;
    this.#refreshing ??= this.#refresh().finally(() => {
      this.#refreshing = null;
    });
    return this.#refreshing;
  }

  recordComparison(mismatch: boolean): void {
    this.#reads.add(mismatch, this.#o.now());
    this.#decide(this.#reads, 'mismatch-rate', this.#o.maxMismatchRate);
  }

  recordSecondaryWrite(failed: boolean): void {
    this.#writes.add(failed, this.#o.now());
    this.#decide(this.#writes, 'secondary-error-rate', this.#o.maxSecondaryErrorRate);
  }

  /** Lifts the hold, here and in the database, and starts the windows afresh. */
  async clear(): Promise<void> {
    this.#lift();
    await this.#notes?.setState(GUARDRAIL_KEY, null);
    this.#readAt = this.#o.now();
  }

  /** No hold, and the events that tripped it forgotten: else the next one would trip it again. */
  #lift(): void {
    this.#state = null;
    this.#stored = false;
    this.#reads.empty();
    this.#writes.empty();
  }

  /** The rates over the window now. */
  figures(): { comparisons: number; mismatches: number; secondaryWrites: number; secondaryErrors: number } {
    const now = this.#o.now();
    const [comparisons, mismatches] = this.#reads.figures(now);
    const [secondaryWrites, secondaryErrors] = this.#writes.figures(now);
    return { comparisons, mismatches, secondaryWrites, secondaryErrors };
  }

  #decide(window: Window, reason: GuardrailState['reason'], threshold: number): void {
    if (this.#state !== null) return;
    const now = this.#o.now();
    const [events, bad] = window.figures(now);
    if (events < this.#o.minEvents || bad / events <= threshold) return;
    const state: GuardrailState = {
      held: true,
      reason,
      since: formatEpochMs(now),
      rate: bad / events,
      threshold,
      events,
      windowMs: this.#o.windowMs,
    };
    this.#state = state;
    this.#stored = false;
    this.#logger.error(
      `guardrail: ${reason} ${(state.rate * 100).toFixed(1)} % over the last ${events} exceeds ${(threshold * 100).toFixed(1)} %; new invocations step back one mode until it is cleared`,
    );
    this.#notes
      ?.setState(GUARDRAIL_KEY, state)
      .then(() => {
        this.#stored = this.#state === state;
      })
      .catch((error: unknown) => {
        this.#logger.warn(`guardrail: could not keep its state in the database: ${(error as Error).message}`);
      });
  }

  async #refresh(): Promise<void> {
    this.#readAt = this.#o.now();
    try {
      const kept = (await this.#notes?.getState(GUARDRAIL_KEY)) as GuardrailState | null | undefined;
      if (kept?.held === true) {
        this.#state = kept;
        this.#stored = true;
      } else if (this.#stored) {
        // Cleared by an operator, from another process.
        this.#lift();
      }
    } catch (error) {
      this.#logger.warn(`guardrail: could not read its state from the database: ${(error as Error).message}`);
    }
  }
}
