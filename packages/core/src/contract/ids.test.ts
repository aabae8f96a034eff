import { describe, expect, it } from 'vitest';
import { legacyInvocationId, uuidv7 } from './ids.js';

describe('uuidv7', () => {
  it('is an RFC 9562 version 7 UUID carrying the time in milliseconds', () => {
    const id = uuidv7(Date.UTC(2030, 10, 26));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(Date.UTC(2030, 10, 26));
  });

  it('sorts in creation order, within one millisecond too, and never repeats', () => {
    const ids = Array.from({ length: 20_000 }, () => uuidv7());
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    const sameMs = Array.from({ length: 5000 }, () => uuidv7(1_800_000_000_000));
    expect([...sameMs].sort()).toEqual(sameMs);
  });
});

describe('legacyInvocationId', () => {
  const inv = { skill_name: 'crackerjack-run', invoked_at: '2025-02-10T14:03:07.123456', workflow_path: 'daily' };

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

  it('still gives an id for a malformed time', () => {
    expect(legacyInvocationId({ ...inv, invoked_at: 42 }, 0)).toMatch(/^[0-9a-f-]{36}$/);
  });
});
