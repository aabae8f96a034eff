import { metrics } from '@opentelemetry/api';
import { type HistogramMetricData, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { OPERATION_DURATION, openStore, UnknownInvocationError } from '@skill-metrics/core';
import { afterAll, describe, expect, it } from 'vitest';

/** A reader the test collects from when it wants (the SDK's own, with no exporter behind it). */
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

async function durations(): Promise<Map<string, { count: number; sum: number }>> {
  const { resourceMetrics } = await reader.collect();
  const found = new Map<string, { count: number; sum: number }>();
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== OPERATION_DURATION) continue;
      expect(metric.descriptor.unit).toBe('s');
      for (const point of (metric as HistogramMetricData).dataPoints) {
        // Only bounded attributes: never a skill name, an id or a session.
        expect(Object.keys(point.attributes).sort()).toEqual(['operation', 'outcome']);
        found.set(`${point.attributes.operation} ${point.attributes.outcome}`, {
          count: point.value.count,
          sum: point.value.sum ?? 0,
        });
      }
    }
  }
  return found;
}

describe('OpenTelemetry', () => {
  it("records each store operation's duration in seconds, by operation and outcome, through the registered SDK", async () => {
    const store = await openStore({ path: ':memory:' });
    for (let i = 0; i < 3; i++) {
      const handle = await store.trackInvocation('secret-skill-name', { sessionId: 'session-42' });
      await handle.complete();
    }
    await store.getSkillMetrics('secret-skill-name');
    await store.getSkillMetrics('secret-skill-name');
    await expect(store.completeInvocation('no-such-id')).rejects.toBeInstanceOf(UnknownInvocationError);

    const seen = await durations();
    expect(seen.get('trackInvocation ok')?.count).toBe(3);
    expect(seen.get('complete ok')?.count).toBe(3);
    expect(seen.get('getSkillMetrics ok')?.count).toBe(2);
    expect(seen.get('completeInvocation error')?.count).toBe(1);
    for (const { count, sum } of seen.values()) {
      // Seconds, not milliseconds: an in-memory call takes well under a second.
      expect(sum / count).toBeGreaterThan(0);
      expect(sum / count).toBeLessThan(1);
    }
    await store.close();
  });
});
