import { MetricReader } from '@opentelemetry/sdk-metrics';

/** A metric reader that exports nowhere: `values()` hands over what an exporter would have sent. */
export class InMemoryMetrics extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }

  /** Each data point as `name` or `name{attribute=value,…}`, with its value. */
  async values(): Promise<Record<string, number>> {
    const { resourceMetrics } = await this.collect();
    const values: Record<string, number> = {};
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        for (const point of metric.dataPoints) {
          const labels = Object.entries(point.attributes).map(([k, v]) => `${k}=${String(v)}`);
          const name = labels.length ? `${metric.descriptor.name}{${labels.join(',')}}` : metric.descriptor.name;
          if (typeof point.value === 'number') values[name] = point.value;
        }
      }
    }
    return values;
  }
}
