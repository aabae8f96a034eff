import { openStore } from '@skill-metrics/core';
import type { Command, Io } from '../options.js';

const SKILLS = [
  { name: 'crackerjack-run', paths: ['daily', 'comprehensive', 'quick'], failure: 0.15, ms: 6 },
  { name: 'pytest-runner', paths: ['unit', 'integration'], failure: 0.25, ms: 4 },
  { name: 'code-review', paths: ['diff', 'full'], failure: 0.05, ms: 3 },
  { name: 'session-checkpoint', paths: ['quick'], failure: 0.02, ms: 1 },
  { name: 'docs-writer', paths: ['api', 'guide'], failure: 0.3, ms: 2 },
];
const ACTIONS = ['git commit', 'git push', 'open pull request', 'rerun tests'];
const ERRORS = ['TimeoutError', 'ValueError', 'FileNotFoundError'];

/** A deterministic generator, so the demo tells the same story every run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Tracks a few hundred skill runs into the database at `db` and prints the report. */
export async function demo(db: string, io: Io, invocations = 300): Promise<number> {
  const store = await openStore({ path: db });
  try {
    const rand = random(20261126);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
    io.out(`Tracking ${invocations} skill runs into ${store.path} …`);
    for (let i = 0; i < invocations; i++) {
      const skill = pick(SKILLS);
      const handle = await store.trackInvocation(skill.name, {
        workflowPath: pick(skill.paths),
        sessionId: `demo-session-${Math.floor(i / 25)}`,
        projectPath: process.cwd(),
      });
      await sleep(rand() * skill.ms); // the skill's work
      if (rand() < skill.failure) await handle.complete({ completed: false, errorType: pick(ERRORS) });
      else await handle.complete({ followUpActions: ACTIONS.filter(() => rand() < 0.3) });
    }
    io.out(await store.generateReport());
    return 0;
  } finally {
    await store.close();
  }
}

export const demoCommand: Command = {
  summary: 'track a few hundred skill runs into the database and print the report',
  usage: '',
  options: {},
  positionals: [0, 0],
  run: (args, io) => demo(args.values.db, io),
};
