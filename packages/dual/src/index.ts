/**
 * `@skill-metrics/dual`: the legacy JSON store and a database store behind one store, for a move
 * off the JSON file without a flag day — dual writes, shadow reads compared, a rollout flag per
 * session, a guardrail, lossless repair, and a consistency checker.
 */

export { type CheckOptions, type CheckSide, checkConsistency } from './check/checker.js';
export { type Difference, type DifferenceClass, FAILING_CLASSES } from './check/differences.js';
export { barChart, escapeHtml, PAGE_STYLE } from './check/html.js';
export { type ConsistencyJson, ConsistencyReport, type SideInfo } from './check/report.js';
export { type DualStats, DualStore } from './dual-store.js';
export { bucketOf, checkShares, fractionalMode, type ModeShares, majorityMode } from './flag/fractional.js';
export { type CallContext, FLAG_KEY, type FlagSource, ModeFlag } from './flag/mode-flag.js';
export { murmur3x86 } from './flag/murmur3.js';
export { FLAG_FILE_ENV, MODE_ENV, StorageModeProvider, type StorageModeProviderOptions } from './flag/provider.js';
export { GUARDRAIL_KEY, Guardrail, type GuardrailOptions, type GuardrailState } from './guardrail.js';
export { OWED_NOTE, type OwedWrite, RepairJournal } from './journal.js';
export { type DualLogger, STDERR_LOGGER } from './logger.js';
export {
  isStorageMode,
  ROLLOUT_ORDER,
  ROUTES,
  type Route,
  rolloutStage,
  type Side,
  STORAGE_MODES,
  type StorageMode,
  stepBack,
} from './modes.js';
export { type DualStoreOptions, openDualStore } from './open.js';
export { type ReconcileOptions, type RepairReport, reconcile } from './repair.js';
export { diffAnswers, type FieldDiff, PERCENTILE_TOLERANCE } from './shadow/diff.js';
export { describeMismatch, MISMATCH_NOTE, type Mismatch, NotesPublisher, type Publisher } from './shadow/publisher.js';
export type { VerifyOptions, VerifyStats } from './shadow/verifier.js';
export { type ComparisonResult, DUAL_INSTRUMENTS, DualTelemetry } from './telemetry.js';
