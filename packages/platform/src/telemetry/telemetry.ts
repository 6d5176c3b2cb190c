import {
  context,
  metrics,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Meter,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';

interface HeaderBag {
  get(key: string): string;
  set(key: string, value: string): void;
  keys(): string[];
}

const setter: TextMapSetter<HeaderBag> = { set: (carrier, key, value) => carrier.set(key, value) };
const getter: TextMapGetter<HeaderBag | undefined> = {
  get: (carrier, key) => carrier?.get(key) || undefined,
  keys: (carrier) => carrier?.keys() ?? [],
};

/** Writes the active trace context into NATS (or any) headers. */
export function injectTraceContext(headers: HeaderBag, ctx: Context = context.active()): void {
  propagation.inject(ctx, headers, setter);
}

/** Reads a W3C trace context from NATS (or any) headers. */
export function extractTraceContext(headers: HeaderBag | undefined): Context {
  return propagation.extract(context.active(), headers, getter);
}

/** Node's incoming HTTP headers as a carrier W3C trace context can be read from. */
export function httpHeaderBag(headers: Record<string, string | string[] | undefined>): HeaderBag {
  return {
    get: (key) => {
      const value = headers[key.toLowerCase()];
      return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
    },
    set: () => undefined,
    keys: () => Object.keys(headers),
  };
}

/**
 * Starts a span continuing `parent` and runs `work` with it active; the caller ends it. For work
 * whose end is an event, not a returned promise (an HTTP request ends when its response closes).
 */
export function enterSpan<T>(name: string, parent: Context, kind: SpanKind, work: (span: Span) => T): T {
  const span = trace.getTracer('hearth').startSpan(name, { kind }, parent);
  return context.with(trace.setSpan(parent, span), () => work(span));
}

/** Runs `work` in a span that continues the trace found in `headers`. */
export async function inSpan<T>(
  name: string,
  parent: Context,
  kind: SpanKind,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const span = trace.getTracer('hearth').startSpan(name, { kind }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
    throw error;
  } finally {
    span.end();
  }
}

export function currentTraceId(): string | null {
  return trace.getActiveSpan()?.spanContext().traceId ?? null;
}

export { SpanKind, SpanStatusCode };

/** A service's meter, from the API copy the SDK registered with (services do not import the API themselves). */
export function meter(name: string): Meter {
  return metrics.getMeter(name);
}

let parkedMessages: ReturnType<Meter['createCounter']> | null = null;

/** One more message parked by `consumer` for `reason`: `hearth_parked_messages_total{consumer,reason}`. */
export function countParked(consumer: string, reason: string): void {
  parkedMessages ??= meter('hearth').createCounter('hearth.parked_messages', {
    description: 'Messages a consumer terminated and parked instead of applying',
    unit: '{message}',
  });
  parkedMessages.add(1, { consumer, reason });
}
