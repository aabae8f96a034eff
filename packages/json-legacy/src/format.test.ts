import { describe, expect, it } from 'vitest';
import { addLegacyCompletion, newLegacySkill } from './format.js';

describe('addLegacyCompletion', () => {
  it('counts as the old tracker did: completion order, truthy durations, no empty paths or errors', () => {
    const skill = newLegacySkill('s', '2026-01-02T00:00:00');
    addLegacyCompletion(skill, {
      skill_name: 's',
      invoked_at: '2026-01-02T00:00:00',
      workflow_path: '',
      completed: true,
      duration_seconds: 0,
      follow_up_actions: ['a', 'a'],
      error_type: '',
    });
    addLegacyCompletion(skill, {
      skill_name: 's',
      invoked_at: '2026-01-01T00:00:00',
      workflow_path: 'w',
      completed: false,
      duration_seconds: 3,
      follow_up_actions: [],
      error_type: 'E',
    });
    expect(skill).toEqual({
      skill_name: 's',
      total_invocations: 2,
      completed_invocations: 1,
      abandoned_invocations: 1,
      total_duration_seconds: 0,
      workflow_paths: { w: 1 },
      common_errors: { E: 1 },
      follow_up_actions: { a: 2 },
      first_invoked: '2026-01-02T00:00:00',
      last_invoked: '2026-01-01T00:00:00',
      completion_rate: 50,
      avg_duration_seconds: 0,
    });
  });
});
