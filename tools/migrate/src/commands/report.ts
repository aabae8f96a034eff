import { formatReport } from '@skill-metrics/core';
import { type Command, stringOption } from '../options.js';
import { outputFileArg, writeFileAtomically } from '../output-file.js';
import { gatherReportFigures } from '../report/figures.js';
import { renderReportPage } from '../report/html.js';
import { databaseArg, openForReading } from './database.js';

export const reportCommand: Command = {
  summary: 'print the metrics report; --html writes it as a self-contained page',
  usage: '[--html FILE]',
  options: { html: { type: 'string' } },
  positionals: [0, 0],
  async run(args, io) {
    const html = stringOption(args, 'html');
    const page = html === undefined ? undefined : outputFileArg(html, 'html');
    const store = await openForReading(databaseArg(args));
    try {
      if (page === undefined) {
        io.out(await store.generateReport());
        return 0;
      }
      // The text and the page from the same reads.
      const figures = await gatherReportFigures(store);
      await writeFileAtomically(page, renderReportPage(figures), 'html');
      io.out(formatReport(figures.summary, new Map(figures.skills.map((m) => [m.skillName, m]))));
      io.out(`report page: ${page}`);
      return 0;
    } finally {
      await store.close();
    }
  },
};
