import { metrics } from '@opentelemetry/api';
import { type DataPoint, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { openStore } from '@skill-metrics/core';
import { OPERATION_DURATION } from '@skill-metrics/core/engine';
import { DUAL_INSTRUMENTS } from '@skill-metrics/dual';
import { afterAll, describe, expect, it } from 'vitest';
import { freshPaths, keptMismatches, openDual, withFailures } from './stores.js';

class CollectingReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

const reader = new CollectingReader();
const provider = new MeterProvider({ readers: [reader] });
metrics.setGlobalMeterProvider(provider);
afterAll(async () => {
  metrics.disable();
  await provider.shutdown();
});

/** Each instrument's points, keyed by their attributes as `k=v,…`. */
async function collected(): Promise<Map<string, Map<string, unknown>>> {
  const { resourceMetrics } = await reader.collect();
  const byName = new Map<string, Map<string, unknown>>();
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      const points = new Map<string, unknown>();
      for (const point of metric.dataPoints as DataPoint<unknown>[]) {
        const key = Object.entries(point.attributes)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(',');
        points.set(key, point.value);
      }
      byName.set(metric.descriptor.name, points);
    }
  }
  return byName;
}

describe('the dual store in OpenTelemetry', () => {
  it('counts invocations by mode, comparisons by result, secondary failures by side, and what is owed', async () => {
    const { publisher } = keptMismatches();
    const paths = freshPaths();
    // The database's writes fail while `failing.on`: the secondary's misses, kept for repair.
    const db = withFailures(await openStore({ path: paths.db }), ['recordInvocation', 'recordInvocations'], () =>
      Object.assign(new Error('disk full'), { name: 'StoreFullError' }),
    );
    const failing = db.failing;
    const store = await openDual(paths, {
      mode: 'verify',
      verify: { sampleRate: 1, timeBudgetMs: 5000, retryDelayMs: 1 },
      publisher,
      openDb: async () => db.store,
    });
    for (let i = 0; i < 3; i++) await store.track('telemetry-skill', () => i);
    await store.flush();
    await store.getSkillMetrics('telemetry-skill');
    await store.flush();
    failing.on = true;
    await store.track('telemetry-skill', () => 'missed');
    await store.flush();
    failing.on = false;

    const seen = await collected();
    expect(seen.get(DUAL_INSTRUMENTS.invocations)?.get('mode=verify')).toBe(4);
    expect(seen.get(DUAL_INSTRUMENTS.comparisons)?.get('result=match')).toBe(1);
    expect(seen.get(DUAL_INSTRUMENTS.secondaryFailures)?.get('side=db')).toBeGreaterThanOrEqual(1);
    expect(seen.get(DUAL_INSTRUMENTS.owed)?.get('side=db')).toBeGreaterThanOrEqual(1);
    expect(seen.get(DUAL_INSTRUMENTS.owed)?.get('side=legacy')).toBe(0);
    // Both stores behind it time their operations as every store does.
    expect([...(seen.get(OPERATION_DURATION)?.keys() ?? [])]).toContain('operation=trackInvocation,outcome=ok');
    await store.close();
  });
});
