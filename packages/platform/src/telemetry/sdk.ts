import { startNodeSdk } from '@opentelemetry/sdk-node';
import { NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace';

// The SDK apart from the API helpers (telemetry.ts): what only a service's start needs stays out of
// everything else that traces, such as the CLI's NATS connection (the SDK is ~0.4 s of loading).

export interface Telemetry {
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry SDK for a service with W3C trace context. Spans always get ids (logs and
 * events carry them); they are exported only where OTEL_TRACES_EXPORTER / OTEL_METRICS_EXPORTER say
 * so, or to the processors a caller passes in.
 */
export function startTelemetry(serviceName: string, spanProcessors?: SpanProcessor[]): Telemetry {
  const env = process.env;
  return startNodeSdk({
    resourceAttributes: { 'service.name': serviceName },
    resourceDetectors: [],
    spanProcessors: spanProcessors ?? (env.OTEL_TRACES_EXPORTER ? undefined : [new NoopSpanProcessor()]),
    ...(env.OTEL_METRICS_EXPORTER ? {} : { metricReaders: [] }),
    ...(env.OTEL_LOGS_EXPORTER ? {} : { logRecordProcessors: [] }),
    instrumentations: [],
  });
}
