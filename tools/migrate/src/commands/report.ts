import type { Command } from '../options.js';
import { openForReading } from './open.js';

export const reportCommand: Command = {
  summary: 'print the metrics report',
  usage: '',
  options: {},
  positionals: [0, 0],
  async run(args, io) {
    const store = await openForReading(args.values.db);
    try {
      io.out(await store.generateReport());
      return 0;
    } finally {
      await store.close();
    }
  },
};
