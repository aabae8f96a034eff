/** `@skill-metrics/migrate`: the `skill-metrics` command line, callable from code as `main(argv)`. */
export { main } from './cli.js';
export type { Io } from './options.js';
