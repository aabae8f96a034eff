import { readFileSync, statSync } from 'node:fs';
import {
  ErrorCode,
  type EvaluationContext,
  type JsonValue,
  type Provider,
  type ResolutionDetails,
} from '@openfeature/server-sdk';
import { type DualLogger, onceEach, STDERR_LOGGER } from '../logger.js';
import { isStorageMode, ROLLOUT_ORDER, type StorageMode } from '../modes.js';
import { checkShares, fractionalMode, majorityMode } from './fractional.js';

/** The environment variable that gives every call one mode. */
export const MODE_ENV = 'SKILL_METRICS_MODE';
/** The environment variable naming a JSON file of shares, e.g. `{"verify": 90, "db-primary": 10}`. */
export const FLAG_FILE_ENV = 'SKILL_METRICS_FLAG_FILE';

export interface StorageModeProviderOptions {
  /** Where `SKILL_METRICS_MODE` and `SKILL_METRICS_FLAG_FILE` are read. @default process.env */
  env?: Record<string, string | undefined>;
  /** How often, at most, the flag file is checked for a change, in ms. @default 1000 */
  recheckMs?: number;
  /** @default stderr */
  logger?: DualLogger;
  /** @default Date.now */
  now?: () => number;
}

type Config =
  | { kind: 'none' }
  | { kind: 'mode'; mode: StorageMode }
  | { kind: 'shares'; shares: Readonly<Record<StorageMode, number>> }
  | { kind: 'error'; message: string };

/**
 * The built-in OpenFeature provider of the storage mode. `SKILL_METRICS_MODE` gives one mode for
 * all; otherwise the file named by `SKILL_METRICS_FLAG_FILE` gives whole-percentage shares, each
 * session (else project) placed by flagd's `fractional` v2 bucketing, and is read again when it
 * changes. A call with no targeting key gets the largest share. A bad value, an unknown mode or an
 * unreadable file is logged (once) and resolves as an error, which the flag turns into `legacy`.
 */
export class StorageModeProvider implements Provider {
  readonly metadata = { name: 'skill-metrics storage mode' } as const;
  readonly runsOn = 'server' as const;
  readonly #env: Record<string, string | undefined>;
  readonly #recheckMs: number;
  readonly #logger: DualLogger;
  readonly #now: () => number;
  #config: Config | null = null;
  #checkedAt = Number.NEGATIVE_INFINITY;
  #fileStamp = '';

  constructor(options: StorageModeProviderOptions = {}) {
    this.#env = options.env ?? process.env;
    this.#recheckMs = options.recheckMs ?? 1000;
    this.#logger = onceEach(options.logger ?? STDERR_LOGGER);
    this.#now = options.now ?? Date.now;
  }

  async resolveStringEvaluation(
    flagKey: string,
    defaultValue: string,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<string>> {
    const config = this.config();
    switch (config.kind) {
      case 'none':
        return { value: defaultValue, reason: 'DEFAULT' };
      case 'mode':
        return { value: config.mode, reason: 'STATIC' };
      case 'shares': {
        const key = context.targetingKey;
        if (typeof key !== 'string' || key.length === 0)
          return { value: majorityMode(config.shares), reason: 'DEFAULT' };
        return { value: fractionalMode(flagKey, key, config.shares), reason: 'SPLIT' };
      }
      case 'error':
        return { value: defaultValue, reason: 'ERROR', errorCode: ErrorCode.PARSE_ERROR, errorMessage: config.message };
    }
  }

  async resolveBooleanEvaluation(_: string, defaultValue: boolean): Promise<ResolutionDetails<boolean>> {
    return this.#wrongType(defaultValue);
  }

  async resolveNumberEvaluation(_: string, defaultValue: number): Promise<ResolutionDetails<number>> {
    return this.#wrongType(defaultValue);
  }

  async resolveObjectEvaluation<T extends JsonValue>(_: string, defaultValue: T): Promise<ResolutionDetails<T>> {
    return this.#wrongType(defaultValue);
  }

  /** The configuration in force, read again from the flag file when it has changed. */
  config(): Config {
    const now = this.#now();
    if (this.#config !== null && now - this.#checkedAt < this.#recheckMs) return this.#config;
    this.#checkedAt = now;
    const config = this.#read();
    if (config.kind === 'error') this.#logger.error(`storage mode flag: ${config.message}; using legacy`);
    this.#config = config;
    return config;
  }

  #read(): Config {
    const mode = this.#env[MODE_ENV];
    if (mode !== undefined && mode !== '') {
      return isStorageMode(mode)
        ? { kind: 'mode', mode }
        : { kind: 'error', message: `${MODE_ENV}=${JSON.stringify(mode)} is not a mode (${ROLLOUT_ORDER.join(', ')})` };
    }
    const file = this.#env[FLAG_FILE_ENV];
    if (file === undefined || file === '') return { kind: 'none' };
    let stamp: string;
    try {
      const s = statSync(file);
      stamp = `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch (error) {
      this.#fileStamp = '';
      return { kind: 'error', message: `${FLAG_FILE_ENV} ${file} cannot be read: ${(error as Error).message}` };
    }
    if (stamp === this.#fileStamp && this.#config !== null) return this.#config;
    this.#fileStamp = stamp;
    try {
      return { kind: 'shares', shares: checkShares(JSON.parse(readFileSync(file, 'utf8'))) };
    } catch (error) {
      return { kind: 'error', message: `${FLAG_FILE_ENV} ${file}: ${(error as Error).message}` };
    }
  }

  #wrongType<T>(defaultValue: T): ResolutionDetails<T> {
    return {
      value: defaultValue,
      reason: 'ERROR',
      errorCode: ErrorCode.TYPE_MISMATCH,
      errorMessage: 'the storage mode is a string flag',
    };
  }
}
