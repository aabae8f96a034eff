import { type AnalyticsStore, describe, InvalidInputError, notesOf } from '@skill-metrics/core/contract';
import { checkOptions, type TrackErrorHandler } from '@skill-metrics/core/engine';
import { DualStore } from './dual-store.js';
import { type FlagSource, ModeFlag } from './flag/mode-flag.js';
import { Guardrail, type GuardrailOptions } from './guardrail.js';
import { RepairJournal } from './journal.js';
import { type DualLogger, onceEach, STDERR_LOGGER } from './logger.js';
import { isStorageMode } from './modes.js';
import { NotesPublisher, type Publisher } from './shadow/publisher.js';
import { Verifier, type VerifyOptions } from './shadow/verifier.js';
import { DualTelemetry } from './telemetry.js';

export interface DualStoreOptions {
  /** The legacy JSON store (`openLegacyStore`). The dual store closes it when it closes. */
  legacy: AnalyticsStore;
  /** The database store (`openStore`). Its notes keep mismatches, the journal and the guardrail. */
  db: AnalyticsStore;
  /**
   * Where each call's mode comes from: a mode, an OpenFeature provider or client.
   * @default the built-in provider: `SKILL_METRICS_MODE`, else the shares in `SKILL_METRICS_FLAG_FILE`, else `legacy`
   */
  flag?: FlagSource;
  /** Where mismatches go. @default notes in the database, and one log line each */
  publisher?: Publisher;
  /** When to hold the rollout back a step; `false` never does. @default the `GuardrailOptions` defaults */
  guardrail?: GuardrailOptions | false;
  /** Shadow reads: how many, how long. @default the `VerifyOptions` defaults */
  verify?: VerifyOptions;
  /** @default stderr */
  logger?: DualLogger;
  /** Where `track()` sends a failure to record, which it keeps from the caller. @default one warning line */
  onError?: TrackErrorHandler;
}

const OPTIONS: ReadonlySet<string> = new Set([
  'legacy',
  'db',
  'flag',
  'publisher',
  'guardrail',
  'verify',
  'logger',
  'onError',
]);
const STORE_METHODS = ['trackInvocation', 'recordInvocations', 'getInvocations', 'listInvocations', 'close'] as const;

function checkStore(value: unknown, field: string): AnalyticsStore {
  if (
    value === null ||
    typeof value !== 'object' ||
    STORE_METHODS.some((m) => typeof (value as Record<string, unknown>)[m] !== 'function')
  ) {
    throw new InvalidInputError(field, `must be an open store (${STORE_METHODS.join(', ')}), got ${describe(value)}`);
  }
  return value as AnalyticsStore;
}

function checkFlag(value: unknown): FlagSource | undefined {
  if (value === undefined || isStorageMode(value)) return value;
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.getStringValue === 'function' || typeof o.resolveStringEvaluation === 'function')
      return value as FlagSource;
  }
  throw new InvalidInputError('flag', `must be a mode, an OpenFeature provider or client, got ${describe(value)}`);
}

/** Opens a dual store over two open stores; see `DualStore`. */
export async function openDualStore(options: DualStoreOptions): Promise<DualStore> {
  const o = checkOptions(options, 'options', OPTIONS) as Partial<DualStoreOptions>;
  const legacy = checkStore(o.legacy, 'legacy');
  const db = checkStore(o.db, 'db');
  if (legacy === db) throw new InvalidInputError('db', 'must be another store than legacy');
  const flag = checkFlag(o.flag);
  for (const [name, value] of [
    ['publisher', o.publisher],
    ['logger', o.logger],
  ] as const) {
    if (value !== undefined && (value === null || typeof value !== 'object')) {
      throw new InvalidInputError(name, `must be an object, got ${describe(value)}`);
    }
  }
  if (o.publisher !== undefined && typeof o.publisher.publish !== 'function') {
    throw new InvalidInputError('publisher', 'must have a publish(mismatch) method');
  }
  if (o.onError !== undefined && typeof o.onError !== 'function') {
    throw new InvalidInputError('onError', `must be a function, got ${describe(o.onError)}`);
  }
  const logger = onceEach(o.logger ?? STDERR_LOGGER);
  const notes = notesOf(db);
  let guardrail: Guardrail | null = null;
  let verifier: Verifier;
  try {
    guardrail = o.guardrail === false ? null : new Guardrail(o.guardrail ?? {}, notes, logger);
    const mismatchList = o.publisher ? null : new NotesPublisher(notes, o.logger ?? STDERR_LOGGER);
    const journal = new RepairJournal(notes, o.logger ?? STDERR_LOGGER);
    const telemetry = new DualTelemetry(journal);
    journal.onFailure = (side) => telemetry.secondaryFailed(side);
    verifier = new Verifier(
      o.verify ?? {},
      o.publisher ?? (mismatchList as NotesPublisher),
      guardrail,
      logger,
      telemetry,
    );
    return new DualStore({
      stores: { legacy, db },
      flag: new ModeFlag(flag, logger),
      guardrail,
      verifier,
      publisher: o.publisher ?? (mismatchList as NotesPublisher),
      mismatchList,
      journal,
      telemetry,
      logger,
      onError: o.onError,
    });
  } catch (error) {
    if (error instanceof TypeError) {
      const [field] = error.message.split(' ');
      throw new InvalidInputError(field ?? 'options', error.message.slice((field ?? '').length + 1));
    }
    throw error;
  }
}
