/** `@skill-metrics/migrate`: the `skill-metrics` command line, callable from code as `main(argv)`, and its backfill. */
export {
  type BackfillOptions,
  type BackfillProgress,
  type BackfillReport,
  backfill,
  CHECKPOINT_KEY,
  type Checkpoint,
} from './backfill/backfill.js';
export { main } from './cli.js';
export type { Io } from './options.js';
