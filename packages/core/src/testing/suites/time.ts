import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../contract/errors.js';
import type { AnalyticsStore } from '../../contract/types.js';
import type { OpenAnalyticsStore } from '../analytics.js';
import { item, testInvocation } from '../builders.js';
import { expectWithinOnePercent, referencePercentile } from '../reference.js';

/** Percentiles on request, and timelines: every UTC bucket of a range, late and batched arrivals placed right. */
export function describeDurationsOverTime(open: OpenAnalyticsStore): void {
  describe('getDurationPercentiles', () => {
    const skewed = Array.from({ length: 400 }, (_, i) => (i % 50 === 0 ? 120 + i : 0.2 + (i % 17) * 0.05));

    it('answers any percentiles, from the sketch or exactly', async () => {
      const store = await open();
      await store.recordInvocations(skewed.map((d) => item({ skillName: 'skewed', durationSeconds: d })));
      const qs = [0, 0.1, 0.5, 0.9, 0.999, 1];
      const exact = await store.getDurationPercentiles('skewed', qs, { exact: true });
      const approx = await store.getDurationPercentiles('skewed', qs);
      qs.forEach((q, i) => {
        expect(exact[i], `exact q=${q}`).toBeCloseTo(referencePercentile(skewed, q) as number, 9);
        expectWithinOnePercent(approx[i], referencePercentile(skewed, q), `q=${q}`);
      });
      expect(await store.getDurationPercentiles('nobody', [0.5])).toEqual([null]);
      expect(await store.getDurationPercentiles('nobody', [0.5], { exact: true })).toEqual([null]);
      await expect(store.getDurationPercentiles('skewed', [1.5])).rejects.toBeInstanceOf(InvalidInputError);
      await expect(store.getDurationPercentiles('skewed', [Number.NaN])).rejects.toBeInstanceOf(InvalidInputError);
    });
  });
  describe('timeline', () => {
    const seed = async (store: AnalyticsStore) => {
      await store.recordInvocations([
        item({ skillName: 'a', invokedAt: '2026-05-04T10:05:00Z', durationSeconds: 2 }),
        item({ skillName: 'a', invokedAt: '2026-05-04T10:59:59.999999Z', durationSeconds: 4 }),
        item({ skillName: 'a', invokedAt: '2026-05-04T10:30:00Z', completed: false, durationSeconds: 9 }),
        item({ skillName: 'a', invokedAt: '2026-05-04T12:00:00Z', durationSeconds: 10 }),
        item({ skillName: 'b', invokedAt: '2026-05-04T10:10:00Z', durationSeconds: 6 }),
        item({ skillName: 'a', invokedAt: '2026-05-05T01:00:00+02:00', durationSeconds: 1 }), // 23:00 UTC on the 4th
        item({ skillName: 'a', invokedAt: '2026-05-04T11:00:00Z', completed: false, durationSeconds: null }), // pending
      ]);
    };

    it('counts a skill per UTC hour, with every hour of the range present', async () => {
      const store = await open();
      await seed(store);
      const hours = await store.getSkillTimeline('a', {
        since: '2026-05-04T10:00:00Z',
        until: '2026-05-04T13:00:00Z',
      });
      expect(hours.map((h) => h.bucketStart)).toEqual([
        '2026-05-04T10:00:00.000000Z',
        '2026-05-04T11:00:00.000000Z',
        '2026-05-04T12:00:00.000000Z',
      ]);
      expect(hours[0]).toMatchObject({ invocations: 3, completed: 2, abandoned: 1, avgDurationSeconds: 3 });
      expectWithinOnePercent(hours[0]?.p95DurationSeconds, referencePercentile([2, 4], 0.95));
      expect(hours[1]).toEqual({
        bucketStart: '2026-05-04T11:00:00.000000Z',
        invocations: 0,
        completed: 0,
        abandoned: 0,
        avgDurationSeconds: null,
        p95DurationSeconds: null,
      });
      expect(hours[2]).toMatchObject({ invocations: 1, completed: 1, avgDurationSeconds: 10 });
    });

    it('rounds the range out to whole buckets and merges hours into UTC days', async () => {
      const store = await open();
      await seed(store);
      const days = await store.getSkillTimeline('a', {
        bucket: 'day',
        since: '2026-05-04T15:00:00+05:00',
        until: '2026-05-05T00:00:01Z',
      });
      expect(days.map((d) => d.bucketStart)).toEqual(['2026-05-04T00:00:00.000000Z', '2026-05-05T00:00:00.000000Z']);
      expect(days[0]).toMatchObject({ invocations: 5, completed: 4, abandoned: 1 });
      expect(days[0]?.avgDurationSeconds).toBeCloseTo((2 + 4 + 10 + 1) / 4, 12);
      expectWithinOnePercent(days[0]?.p95DurationSeconds, referencePercentile([2, 4, 10, 1], 0.95));
      expect(days[1]?.invocations).toBe(0);
    });

    it('places invocations that arrive out of time order in their own hours', async () => {
      const store = await open();
      const at = (time: string, durationSeconds: number) =>
        store.recordInvocation(item({ skillName: 'late', invokedAt: `2026-05-04T${time}Z`, durationSeconds }));
      await at('12:00:00', 1);
      await at('10:00:00', 2);
      await at('12:30:00', 3);
      await at('11:00:00', 4);
      await at('10:45:00', 5);
      await at('13:15:00', 6);
      await at('12:59:00', 7);
      const hours = await store.getSkillTimeline('late', {
        since: '2026-05-04T10:00:00Z',
        until: '2026-05-04T14:00:00Z',
      });
      expect(hours.map((h) => [h.invocations, h.avgDurationSeconds])).toEqual([
        [2, 3.5],
        [1, 4],
        [3, 11 / 3],
        [1, 6],
      ]);
      expectWithinOnePercent(hours[2]?.p95DurationSeconds, referencePercentile([1, 3, 7], 0.95));
      const [day] = await store.getSkillTimeline('late', {
        bucket: 'day',
        since: '2026-05-04T00:00:00Z',
        until: '2026-05-05T00:00:00Z',
      });
      expect(day?.invocations).toBe(7);
      expectWithinOnePercent(day?.p95DurationSeconds, referencePercentile([1, 2, 3, 4, 5, 6, 7], 0.95));
    });

    it('closes each hour as live writes move past it, and keeps each day to its own hours', async () => {
      let ms = Date.UTC(2026, 4, 4, 22, 10);
      const store = await open({ clock: { now: () => ms, monotonic: () => ms } });
      const run = async (seconds: number) => {
        const handle = await store.trackInvocation('live');
        ms += seconds * 1000;
        await handle.complete();
      };
      await run(1); // 22:10 on the 4th
      ms += 3_600_000;
      await run(2); // 23:10
      ms += 3_600_000;
      await run(3); // 00:10 on the 5th
      ms += 1_800_000;
      await run(4); // 00:40
      ms += 3_600_000;
      await run(5); // 01:40: the 5th's first hour is closed now
      // A late one for the 4th sums that day again, from its own hours only.
      await store.recordInvocation(item({ skillName: 'live', invokedAt: '2026-05-04T23:30:00Z', durationSeconds: 6 }));
      const hours = await store.getSkillTimeline('live', {
        since: '2026-05-04T22:00:00Z',
        until: '2026-05-05T02:00:00Z',
      });
      expect(hours.map((h) => [h.invocations, h.avgDurationSeconds])).toEqual([
        [1, 1],
        [2, 4],
        [2, 3.5],
        [1, 5],
      ]);
      const days = await store.getTimeline({
        bucket: 'day',
        since: '2026-05-04T00:00:00Z',
        until: '2026-05-06T00:00:00Z',
      });
      expect(days.map((d) => [d.invocations, d.avgDurationSeconds])).toEqual([
        [3, 3],
        [3, 4],
      ]);
    });

    it('places an invocation dated in the future in its hour, and counts it once when that hour comes', async () => {
      let ms = Date.UTC(2026, 4, 4, 10, 5);
      const store = await open({ clock: { now: () => ms, monotonic: () => ms } });
      const live = async () => {
        const handle = await store.trackInvocation('f');
        ms += 1000;
        await handle.complete();
      };
      await store.recordInvocation(item({ skillName: 'f', invokedAt: '2026-05-04T14:30:00Z', durationSeconds: 7 }));
      await live(); // 10:05
      await live();
      const range = { since: '2026-05-04T10:00:00Z', until: '2026-05-04T16:00:00Z' };
      const counts = async () => (await store.getSkillTimeline('f', range)).map((h) => h.invocations);
      expect(await counts()).toEqual([2, 0, 0, 0, 1, 0]);
      ms = Date.UTC(2026, 4, 4, 14, 10);
      await live(); // 14:10: the future hour is now the open one
      expect(await counts()).toEqual([2, 0, 0, 0, 2, 0]);
      ms = Date.UTC(2026, 4, 4, 15, 1);
      await live(); // 15:01 closes it
      expect(await counts()).toEqual([2, 0, 0, 0, 2, 1]);
      const [all] = await store.getTimeline({
        bucket: 'day',
        since: '2026-05-04T00:00:00Z',
        until: '2026-05-05T00:00:00Z',
      });
      expect(all?.invocations).toBe(5);
      expect((await store.getSkillTimeline('f', range))[4]?.avgDurationSeconds).toBe(4);
    });

    it('places a batch that spans several hours in each of them', async () => {
      const store = await open();
      const at = (time: string, durationSeconds: number) =>
        item({ skillName: 'batch', invokedAt: `2026-05-04T${time}Z`, durationSeconds });
      await store.recordInvocation(at('10:00:00', 1));
      await store.recordInvocations([at('10:30:00', 2), at('11:15:00', 3), at('12:45:00', 4), at('11:50:00', 5)]);
      await store.recordInvocations([at('09:10:00', 6), at('12:05:00', 7)]);
      const hours = await store.getSkillTimeline('batch', {
        since: '2026-05-04T09:00:00Z',
        until: '2026-05-04T13:00:00Z',
      });
      expect(hours.map((h) => [h.invocations, h.avgDurationSeconds])).toEqual([
        [1, 6],
        [2, 1.5],
        [2, 4],
        [2, 5.5],
      ]);
      const [all] = await store.getTimeline({
        bucket: 'day',
        since: '2026-05-04T00:00:00Z',
        until: '2026-05-05T00:00:00Z',
      });
      expect(all?.invocations).toBe(7);
    });

    it('adds every skill up in the all-skills form', async () => {
      const store = await open();
      await seed(store);
      const [ten] = await store.getTimeline({ since: '2026-05-04T10:00:00Z', until: '2026-05-04T11:00:00Z' });
      expect(ten).toMatchObject({ invocations: 4, completed: 3, abandoned: 1, avgDurationSeconds: 4 });
      expectWithinOnePercent(ten?.p95DurationSeconds, referencePercentile([2, 4, 6], 0.95));
    });

    it("counts a skill named '' (kept from a legacy file) in every skill's timeline, hour by hour", async () => {
      const store = await open({ clock: { now: () => Date.parse('2026-06-15T12:00:00Z'), monotonic: () => 0 } });
      const at = (id: string, skillName: string, hour: number) =>
        testInvocation({ id, skillName, invokedAt: `2026-06-15T0${hour}:10:00.000000Z` });
      const batch = [at('e-1', '', 1), at('x-1', 'x', 1), at('e-2', '', 2), at('x-3', 'x', 3)];
      await store.recordInvocations(batch, { legacyQuirks: true });
      const since = '2026-06-15T00:00:00Z';
      const hours = await store.getTimeline({ since, until: '2026-06-15T05:00:00Z' });
      expect(hours.map((b) => b.invocations)).toEqual([0, 2, 1, 1, 0]);
      const days = await store.getTimeline({ since, until: '2026-06-16T00:00:00Z', bucket: 'day' });
      expect(days.map((b) => b.invocations)).toEqual([4]);
    });

    it('ends at the current bucket by default and rejects bad ranges', async () => {
      const store = await open();
      const hours = await store.getTimeline();
      expect(hours).toHaveLength(24);
      expect(Date.parse(hours[23]?.bucketStart ?? '')).toBeLessThanOrEqual(Date.now());
      expect((await store.getTimeline({ bucket: 'day' })).length).toBe(30);
      await expect(store.getTimeline({ bucket: 'week' as 'day' })).rejects.toBeInstanceOf(InvalidInputError);
      await expect(store.getTimeline({ since: '2026-05-05T00:00:00Z', until: '2026-05-04T00:00:00Z' })).rejects.toThrow(
        /before until/,
      );
      await expect(store.getTimeline({ since: '2000-01-01T00:00:00Z', until: '2026-01-01T00:00:00Z' })).rejects.toThrow(
        /at most/,
      );
      await expect(store.getSkillTimeline('', {})).rejects.toBeInstanceOf(InvalidInputError);
    });
  });
}
