// Run in a fresh process by legacy-reader.bench.mjs, so that its peak RSS is this work's alone:
//   node legacy-reader-child.mjs reader|json-parse FILE
import { readFileSync } from 'node:fs';
import { readLegacyFile } from '@skill-metrics/json-legacy';

const [mode, path] = process.argv.slice(2);
let count = 0;
if (mode === 'reader') {
  for await (const _entry of readLegacyFile(path, { timeZone: 'UTC' }).invocations) count++;
} else {
  count = JSON.parse(readFileSync(path, 'utf8')).invocations.length;
}
process.stdout.write(`${JSON.stringify({ count, maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`);
