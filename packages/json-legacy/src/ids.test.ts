import { describe, expect, it } from 'vitest';
import { legacyInvocationId } from './ids.js';

describe('legacyInvocationId', () => {
  const inv = { skill_name: 'crackerjack-run', invoked_at: '2025-02-10T14:03:07.123456', workflow_path: 'daily' };

  // These ids are stored in databases: a change here would make every re-import after an upgrade add
  // every invocation again. They must never change.
  it.each([
    [inv, 0, '0194f02b-c1f3-8149-9352-9d9b3659a1fa'],
    [inv, 3, '0194f02b-c1f3-80bc-85d4-1d6573f88d5f'],
    [
      { skill_name: 'pytest-runner', invoked_at: '2025-02-10T14:03:08', workflow_path: null },
      1,
      '0194f02b-c560-8b17-b738-acfb3d9dad24',
    ],
    [
      { skill_name: 'pytest-runner', invoked_at: '2025-02-10T14:03:09+00:00', workflow_path: null },
      2,
      '0194f02b-c948-8245-a2a4-0aa42ba610b0',
    ],
    [
      { skill_name: 'déploiement 🚀', invoked_at: '2026-11-01T01:30:00-04:00', workflow_path: 'v1.2' },
      41,
      '01a194ba-4dc0-8552-b57f-63f2418fca17',
    ],
    [{ skill_name: 'x', invoked_at: 42, workflow_path: undefined }, 0, 'd49598e7-4672-8b9d-803a-03eadc97955b'],
  ])('gives %j at ordinal %i the id it always had', (identity, ordinal, id) => {
    expect(legacyInvocationId(identity, ordinal)).toBe(id);
  });

  it('is the same for the same invocation at the same position, and differs otherwise', () => {
    expect(legacyInvocationId(inv, 3)).toBe(legacyInvocationId({ ...inv }, 3));
    expect(legacyInvocationId(inv, 4)).not.toBe(legacyInvocationId(inv, 3));
    expect(legacyInvocationId({ ...inv, workflow_path: null }, 3)).not.toBe(legacyInvocationId(inv, 3));
    expect(legacyInvocationId({ ...inv, invoked_at: '2025-02-10T14:03:07.123457' }, 3)).not.toBe(
      legacyInvocationId(inv, 3),
    );
  });

  it('is a UUIDv8 that starts with the wall-clock time, so ids sort in time order', () => {
    const id = legacyInvocationId(inv, 0);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(Date.parse('2025-02-10T14:03:07.123Z'));
    const later = legacyInvocationId({ ...inv, invoked_at: '2025-02-10T14:03:08' }, 1);
    expect(later > id).toBe(true);
    const withOffset = legacyInvocationId({ ...inv, invoked_at: '2025-02-10T14:03:09+00:00' }, 2);
    expect(Number.parseInt(withOffset.replace(/-/g, '').slice(0, 12), 16)).toBe(Date.parse('2025-02-10T14:03:09Z'));
  });
});
