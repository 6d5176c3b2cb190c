import { trace } from '@opentelemetry/api';
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/** The correlation id of the work in progress, carried across awaits. */
export const correlation = new AsyncLocalStorage<string>();

const CORRELATION_ID = /^[\w.:-]{1,128}$/;

/**
 * The correlation id a request carries in: the caller's when it sent a plausible one, else a fresh one.
 * Bounded because it lands in every log line and event of the request.
 */
export function correlationIdOf(sent: string | undefined): string {
  return sent && CORRELATION_ID.test(sent) ? sent : randomUUID();
}

/** Field paths whose values are never written, whatever object they appear in. */
export const REDACTED_PATHS = [
  'password',
  'value',
  'values',
  'secret',
  'token',
  '*.password',
  '*.value',
  '*.values',
  '*.secret',
  '*.token',
  '*.*.password',
  '*.*.value',
  '*.*.secret',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
];

/**
 * Known secret values, replaced wherever they appear in a log line. Path redaction catches fields by
 * name; this catches a value that slipped into a message or an unexpected field.
 */
export class SecretScrubber {
  private readonly known = new Set<string>();

  remember(value: string): void {
    if (value.length >= 8) this.known.add(value);
  }

  forget(value: string): void {
    this.known.delete(value);
  }

  scrub(line: string): string {
    let out = line;
    for (const value of this.known) {
      if (out.includes(value)) out = out.split(value).join('[SCRUBBED]');
    }
    return out;
  }
}

export interface LoggerOptions {
  service: string;
  level?: string;
  scrubber?: SecretScrubber;
  destination?: DestinationStream;
}

/** JSON logs with service, correlation and trace ids; secret fields redacted by path and by value. */
export function createLogger(options: LoggerOptions): Logger {
  const { scrubber } = options;
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
      mixin() {
        const span = trace.getActiveSpan()?.spanContext();
        const correlationId = correlation.getStore();
        return {
          ...(correlationId ? { correlation_id: correlationId } : {}),
          ...(span ? { trace_id: span.traceId, span_id: span.spanId } : {}),
        };
      },
      hooks: scrubber ? { streamWrite: (line) => scrubber.scrub(line) } : {},
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}
