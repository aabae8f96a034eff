/** The demo in its own OS process, run from the folder `demo-in <cwd>` names, without `--dir`. */
import { main } from '@skill-metrics/migrate';

const [cwd] = process.argv.slice(2);
if (!cwd) throw new Error('usage: demo-in <cwd>');
process.chdir(cwd);
process.exitCode = await main(['demo']);
