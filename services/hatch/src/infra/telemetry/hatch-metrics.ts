import type { AuditCheckpoint } from '@hearth/contracts';
import { countParked, meter } from '@hearth/platform/telemetry';
import type { AuditMetrics } from '../../app/ports.js';
import type { Clock } from '@hearth/platform/ports';

type Meter = ReturnType<typeof meter>;

/** Where the gauges read from, each time the metrics are collected. */
export interface GaugeSources {
  /** Events in the HATCH stream after the ingest position. */
  lag(): Promise<number>;
  /** The last checkpoint stored, whichever hatch signed it. */
  lastCheckpoint(): Promise<AuditCheckpoint | null>;
}

/**
 * hatch's metrics: records appended and events parked (counters, so a backend derives records/s),
 * consumer lag (events in the stream not yet recorded), and the age of the last checkpoint.
 *
 * The age is read from the database at each collection, not remembered from what this process
 * signed: with several hatches one may sign what another appended, and a replica that signed
 * nothing since its start must still report how old the log's signature is. A gauge whose source
 * fails (its database is down) reports nothing rather than a stale figure.
 */
export class OtelAuditMetrics implements AuditMetrics {
  private readonly recordedCounter;
  private readonly parkedCounter;
  private readonly gapsCounter;
  private sources: GaugeSources | null = null;

  constructor(
    private readonly clock: Clock,
    hatch: Meter = meter('hatch'),
  ) {
    this.recordedCounter = hatch.createCounter('hatch.records', {
      description: 'Events appended to the audit chain',
      unit: '{record}',
    });
    this.parkedCounter = hatch.createCounter('hatch.events.parked', {
      description: 'Events refused and parked',
      unit: '{event}',
    });
    // Named for the whole system, not hatch: `hearth_audit_gaps_total` in Prometheus.
    this.gapsCounter = hatch.createCounter('hearth.audit.gaps', {
      description: "Gaps detected in an emitter's numbering of its audit events",
      unit: '{gap}',
    });
    hatch
      .createObservableGauge('hatch.consumer.lag', {
        description: 'Events in the HATCH stream after the last one hatch recorded',
        unit: '{event}',
      })
      .addCallback(async (result) => {
        const lag = await this.sources?.lag().catch(() => null);
        if (lag !== undefined && lag !== null) result.observe(lag);
      });
    hatch
      .createObservableGauge('hatch.checkpoint.age', { description: 'Seconds since the last checkpoint', unit: 's' })
      .addCallback(async (result) => {
        const last = await this.sources?.lastCheckpoint().catch(() => null);
        if (last) result.observe((this.clock.now().getTime() - Date.parse(last.at)) / 1000);
      });
  }

  /** The gauges' sources: the ingest and the log, built after these metrics. */
  observe(sources: GaugeSources): void {
    this.sources = sources;
  }

  recorded(count: number): void {
    this.recordedCounter.add(count);
  }

  /** Counted twice: hatch's own counter, and every service's `hearth_parked_messages_total{consumer,reason}`. */
  parked(): void {
    this.parkedCounter.add(1);
    countParked('hatch', 'invalid');
  }

  gaps(count: number): void {
    if (count > 0) this.gapsCounter.add(count);
  }
}
