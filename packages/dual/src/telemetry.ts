import { type Counter, metrics } from '@opentelemetry/api';
import { METER_NAME } from '@skill-metrics/core/engine';
import type { RepairJournal } from './journal.js';
import type { Side, StorageMode } from './modes.js';

/**
 * What the dual store records through `@opentelemetry/api` (no-ops until the application registers
 * an SDK), beside every store's `skill_metrics.operation.duration`. Every attribute is one of a few
 * fixed values.
 */
export const DUAL_INSTRUMENTS = {
  /** Counter: shadow comparisons by `result` (`match`, `mismatch`, `timed_out`). */
  comparisons: 'skill_metrics.dual.shadow_comparisons',
  /** Counter: writes a secondary missed, by `side` (`legacy`, `db`). */
  secondaryFailures: 'skill_metrics.dual.secondary_failures',
  /** Gauge: writes owed to each `side`, as the repair journal holds them. */
  owed: 'skill_metrics.dual.owed_writes',
  /** Counter: invocations started or recorded, by the `mode` each got. */
  invocations: 'skill_metrics.dual.invocations',
} as const;

export type ComparisonResult = 'match' | 'mismatch' | 'timed_out';

export class DualTelemetry {
  readonly #comparisons: Counter;
  readonly #failures: Counter;
  readonly #invocations: Counter;

  /** Made when the dual store opens: the instruments of the meter provider registered by then. */
  constructor(journal: RepairJournal) {
    const meter = metrics.getMeter(METER_NAME);
    this.#comparisons = meter.createCounter(DUAL_INSTRUMENTS.comparisons, {
      description: 'Shadow reads compared between the two stores, by result',
    });
    this.#failures = meter.createCounter(DUAL_INSTRUMENTS.secondaryFailures, {
      description: 'Writes the secondary store missed (kept for repair), by side',
    });
    this.#invocations = meter.createCounter(DUAL_INSTRUMENTS.invocations, {
      description: 'Invocations started or recorded through the dual store, by the storage mode each got',
    });
    meter
      .createObservableGauge(DUAL_INSTRUMENTS.owed, { description: 'Writes owed to each side, awaiting repair' })
      .addCallback(async (result) => {
        const owed = await journal.depthBySide();
        for (const side of ['legacy', 'db'] as const) result.observe(owed[side], { side });
      });
  }

  compared(result: ComparisonResult): void {
    this.#comparisons.add(1, RESULTS[result]);
  }

  secondaryFailed(side: Side): void {
    this.#failures.add(1, SIDES[side]);
  }

  invocations(mode: StorageMode, n = 1): void {
    this.#invocations.add(n, { mode });
  }
}

// Attribute objects made once: recording allocates nothing.
const RESULTS = { match: { result: 'match' }, mismatch: { result: 'mismatch' }, timed_out: { result: 'timed_out' } };
const SIDES = { legacy: { side: 'legacy' }, db: { side: 'db' } };
