import { trace } from '@opentelemetry/api';
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { isSecretFieldName, SECRET_FIELD_NAMES, spellingsOf } from '@hearth/contracts';
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

const REDACTED = '[REDACTED]';

/**
 * pino redact paths for every spelling of every name in `names`, at the top and two levels down
 * (`token`, `*.token`, `*.*.token`); pino applies them to child bindings and interpolated objects too.
 */
export function redactionPaths(names: readonly string[] = SECRET_FIELD_NAMES): string[] {
  const path = (parent: string, key: string) =>
    /^\w+$/.test(key) ? [parent, key].filter(Boolean).join('.') : `${parent}["${key}"]`; // `api-key` needs brackets
  const keys = names.flatMap(spellingsOf);
  return ['', '*', '*.*'].flatMap((parent) => keys.map((key) => path(parent, key)));
}

/**
 * The logged object with every field `isSecretFieldName` (contracts' rule, the one hatch admits by)
 * replaced, at any depth: it catches what no pino path can, the suffixes (`db_password`) and any
 * spelling. Copies only what it changes; the caller's object is never touched.
 */
export function withoutSecretFields(value: unknown, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== 'object' || seen.has(value)) return value;
  seen.add(value);
  if (Array.isArray(value)) {
    const items = value.map((item: unknown) => withoutSecretFields(item, seen));
    return items.some((item, i) => item !== value[i]) ? items : value;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value; // Error, Date, Buffer: pino serializes those
  let copy: Record<string, unknown> | null = null;
  for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
    const kept = field !== undefined && isSecretFieldName(key) ? REDACTED : withoutSecretFields(field, seen);
    if (kept !== field) (copy ??= { ...(value as Record<string, unknown>) })[key] = kept;
  }
  return copy ?? value;
}

/**
 * Known secret values, replaced wherever they appear in a log line. Path redaction catches fields by
 * name; this catches a value that slipped into a message or an unexpected field.
 */
const formsOf = (value: string) => [value, JSON.stringify(value).slice(1, -1)];

export class SecretScrubber {
  private readonly known = new Set<string>();

  remember(value: string): void {
    if (value.length < 8) return;
    // A log line is JSON: a value holding a quote, a backslash or a newline (a PEM key) is written escaped.
    for (const form of formsOf(value)) this.known.add(form);
  }

  forget(value: string): void {
    for (const form of formsOf(value)) this.known.delete(form);
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
      redact: { paths: redactionPaths(), censor: REDACTED },
      formatters: { log: (object) => withoutSecretFields(object) as Record<string, unknown> },
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
