/** The skills of the demo's story: names, workflow paths, how often each runs, fails and how long it takes. */
export interface DemoSkill {
  name: string;
  workflowPaths: readonly string[];
  /** Relative share of the runs. */
  weight: number;
  /** The chance a run is abandoned with an error. */
  failure: number;
  /** The mean duration of a run, in seconds. */
  seconds: number;
}

export const SKILLS: readonly DemoSkill[] = [
  {
    name: 'crackerjack-run',
    workflowPaths: ['daily', 'comprehensive', 'quick'],
    weight: 30,
    failure: 0.14,
    seconds: 95,
  },
  {
    name: 'pytest-runner',
    workflowPaths: ['unit', 'integration', 'tests/api'],
    weight: 25,
    failure: 0.22,
    seconds: 40,
  },
  { name: 'code-review', workflowPaths: ['diff', 'full'], weight: 15, failure: 0.05, seconds: 180 },
  { name: 'session-checkpoint', workflowPaths: ['quick'], weight: 15, failure: 0.02, seconds: 3 },
  { name: 'docs-writer', workflowPaths: ['api', 'guide'], weight: 8, failure: 0.3, seconds: 60 },
  { name: 'refactor-assistant', workflowPaths: ['extract', 'rename', 'v1.2'], weight: 7, failure: 0.12, seconds: 240 },
];

export const ERRORS = [
  'TimeoutError',
  'ValueError',
  'AssertionError',
  "[Errno 2] No such file or directory: 'pyproject.toml'",
] as const;

export const FOLLOW_UPS = ['git commit', 'git push', 'open pull request', 'rerun tests', 'session-checkpoint'] as const;

/** What a user asked for, as later trackers kept it (`user_query`). */
export const QUERIES = [
  'fix the flaky test in test_api.py',
  'review my diff before I push',
  'why is CI red?',
  'write the docs for the new endpoint',
  'rename Store to MetricsStore everywhere',
] as const;

const TOTAL_WEIGHT = SKILLS.reduce((sum, s) => sum + s.weight, 0);

/** The skill at `r` (0–1) along the weighted list. */
export function skillAt(r: number): DemoSkill {
  let left = r * TOTAL_WEIGHT;
  for (const skill of SKILLS) {
    left -= skill.weight;
    if (left < 0) return skill;
  }
  return SKILLS[SKILLS.length - 1] as DemoSkill;
}
