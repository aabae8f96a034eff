import { type Client, OpenFeature, type Provider } from '@openfeature/server-sdk';
import type { DualLogger } from '../logger.js';
import { isStorageMode, ROLLOUT_ORDER, type StorageMode } from '../modes.js';
import { StorageModeProvider } from './provider.js';

/** The OpenFeature flag that gives each call its storage mode. */
export const FLAG_KEY = 'skill-metrics.storage-mode';

/** Where the mode comes from: one fixed mode, an OpenFeature provider, or a client of one. */
export type FlagSource = StorageMode | Provider | Client;

export interface CallContext {
  sessionId?: string | null;
  projectPath?: string | null;
}

let domains = 0;

function isClient(value: object): value is Client {
  return typeof (value as Client).getStringValue === 'function';
}

/**
 * Evaluates the storage mode of a call: the string flag `skill-metrics.storage-mode` with
 * `targetingKey` = the session id, else the project path. Whatever goes wrong — the provider
 * fails, or gives a value that is not a mode — is logged and gives `legacy`, never an error.
 */
export class ModeFlag {
  readonly #fixed: StorageMode | null;
  readonly #client: Client | null;
  readonly #logger: DualLogger;

  constructor(source: FlagSource | undefined, logger: DualLogger) {
    this.#logger = logger;
    if (typeof source === 'string') {
      if (!isStorageMode(source)) throw new TypeError(`flag: ${JSON.stringify(source)} is not a mode`);
      this.#fixed = source;
      this.#client = null;
      return;
    }
    this.#fixed = null;
    if (source !== undefined && isClient(source)) {
      this.#client = source;
      return;
    }
    // A domain of its own, so that the application's default provider is left as it is.
    const domain = `skill-metrics-${process.pid}-${++domains}`;
    OpenFeature.setProvider(domain, source ?? new StorageModeProvider({ logger }));
    this.#client = OpenFeature.getClient(domain);
  }

  /** The mode of a call with this context; at once (not a promise) when the mode is fixed. */
  modeFor(context: CallContext): StorageMode | Promise<StorageMode> {
    return this.#fixed ?? this.#evaluate(context);
  }

  async #evaluate(context: CallContext): Promise<StorageMode> {
    const key = context.sessionId ?? context.projectPath ?? undefined;
    try {
      const value = await (this.#client as Client).getStringValue(
        FLAG_KEY,
        'legacy',
        key === undefined ? {} : { targetingKey: key },
      );
      if (isStorageMode(value)) return value;
      this.#logger.error(
        `flag ${FLAG_KEY} gave ${JSON.stringify(value)}, not a mode (${ROLLOUT_ORDER.join(', ')}); using legacy`,
      );
    } catch (error) {
      this.#logger.error(`flag ${FLAG_KEY} could not be evaluated: ${(error as Error).message}; using legacy`);
    }
    return 'legacy';
  }
}
