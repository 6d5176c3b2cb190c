import type { AuditCheckpoint } from '@hearth/contracts';
import { meter } from '@hearth/platform';
import type { AuditMetrics, Clock } from '../../app/ports.js';

/**
 * hatch's metrics: records appended and events parked (counters, so a backend derives records/s),
 * consumer lag (events in the stream not yet delivered to hatch), and the age of the last checkpoint.
 */
export class OtelAuditMetrics implements AuditMetrics {
  private readonly recordedCounter;
  private readonly parkedCounter;
  private lastCheckpointAt: number | null = null;
  private lag: (() => Promise<number>) | null = null;

  constructor(private readonly clock: Clock) {
    const hatch = meter('hatch');
    this.recordedCounter = hatch.createCounter('hatch.records', {
      description: 'Events appended to the audit chain',
      unit: '{record}',
    });
    this.parkedCounter = hatch.createCounter('hatch.events.parked', {
      description: 'Events refused and parked',
      unit: '{event}',
    });
    hatch
      .createObservableGauge('hatch.consumer.lag', {
        description: 'Events in the HATCH stream after the last one hatch recorded',
        unit: '{event}',
      })
      .addCallback(async (result) => {
        const lag = this.lag ? await this.lag().catch(() => null) : null;
        if (lag !== null) result.observe(lag);
      });
    hatch
      .createObservableGauge('hatch.checkpoint.age', { description: 'Seconds since the last checkpoint', unit: 's' })
      .addCallback((result) => {
        if (this.lastCheckpointAt !== null) result.observe((this.clock.now().getTime() - this.lastCheckpointAt) / 1000);
      });
  }

  /** Where the lag comes from: the ingest, built after these metrics. */
  observeLag(lag: () => Promise<number>): void {
    this.lag = lag;
  }

  recorded(count: number): void {
    this.recordedCounter.add(count);
  }

  parked(): void {
    this.parkedCounter.add(1);
  }

  checkpointed(checkpoint: AuditCheckpoint): void {
    this.lastCheckpointAt = Math.max(this.lastCheckpointAt ?? 0, Date.parse(checkpoint.at));
  }
}
