import { type Attributes, type Histogram, metrics } from '@opentelemetry/api';

/**
 * What every store records through `@opentelemetry/api`: how long each operation took. Without an
 * SDK registered by the application, every instrument is a no-op. No attribute carries a name, an
 * id or any other value without bound.
 */

/** The meter every skill-metrics instrument comes from. */
export const METER_NAME = 'skill-metrics';

/** Seconds from a store call to its answer or error; attributes `operation` and `outcome` (`ok`, `error`). */
export const OPERATION_DURATION = 'skill_metrics.operation.duration';

/** Bucket bounds for store calls: from 50 µs (a read held in memory) to 10 s (a large import). */
const DURATION_BOUNDS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** Times a store's operations into `skill_metrics.operation.duration`. */
export class OperationTimer {
  readonly #duration: Histogram;

  /** Made when the store opens: the instruments of the meter provider registered by then. */
  constructor() {
    this.#duration = metrics.getMeter(METER_NAME).createHistogram(OPERATION_DURATION, {
      unit: 's',
      description: 'How long a skill-metrics store operation took, from the call to its answer or error',
      advice: { explicitBucketBoundaries: DURATION_BOUNDS },
    });
  }

  /** Records the duration of `operation`, begun at `startedMs` (`performance.now()`), now settled. */
  record(operation: string, ok: boolean, startedMs: number): void {
    this.#duration.record((performance.now() - startedMs) / 1000, this.#attributes(operation, ok));
  }

  // One attributes object per operation and outcome, made once: a record on every call allocates nothing.
  readonly #byOperation = new Map<string, readonly [Attributes, Attributes]>();

  #attributes(operation: string, ok: boolean): Attributes {
    let pair = this.#byOperation.get(operation);
    if (!pair) {
      pair = [
        { operation, outcome: 'ok' },
        { operation, outcome: 'error' },
      ];
      this.#byOperation.set(operation, pair);
    }
    return pair[ok ? 0 : 1];
  }
}
