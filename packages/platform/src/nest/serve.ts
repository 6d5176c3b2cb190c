import type { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CorrelationHeader, type BusSigner } from '@hearth/contracts';
import { correlation, correlationIdOf } from '../logging/logger.js';
import { NatsServiceTransport } from './service-transport.js';
import type { ServiceRuntime } from '../runtime/runtime.js';
import { enterSpan, extractTraceContext, httpHeaderBag, SpanKind, SpanStatusCode } from '../telemetry/telemetry.js';
import { EdgeErrorFilter } from './http-error.filter.js';
import { NestPinoLogger } from './nest-logger.js';

/** The little of Express's request and response the edge middleware reads. */
interface HttpRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
}
interface HttpResponse {
  statusCode: number;
  once(event: 'close', listener: () => void): unknown;
}

export interface ServeOptions {
  module: DynamicModule;
  /** `database` when the service has one: a failure to reach it is answered as HEARTH.DATABASE_UNAVAILABLE. */
  runtime: Pick<ServiceRuntime, 'nc' | 'logger' | 'onShutdown'> & Partial<Pick<ServiceRuntime, 'database'>>;
  /** The NATS service the module's @MessagePattern endpoints join (name, version, queue group). */
  service: { name: string; version: string; description: string; queue: string; replySigner?: BusSigner };
  /**
   * The HTTP edge, when the service has one. `configure` adds the service's own middleware (headers,
   * static files) before its routes: what app.use registers before listen runs ahead of every route.
   */
  http?: {
    port: number;
    host: string;
    forceCloseConnections?: boolean;
    configure?: (app: INestApplication) => void;
  };
}

/**
 * Serves a service's Nest module: NATS endpoints on the services API, HTTP routes (if any) each in a
 * server span continuing the caller's `traceparent` (what gives the events and logs of an HTTP request
 * their trace id) and in its correlation, stable error codes on both edges, closed at shutdown.
 */
export async function serveNest({ module, runtime, service, http }: ServeOptions): Promise<void> {
  const { logger, database } = runtime;
  const strategy = new NatsServiceTransport({ nc: runtime.nc, logger, database, ...service });
  if (!http) {
    const app = await NestFactory.createMicroservice(module, { strategy, logger: new NestPinoLogger(logger) });
    app.useGlobalFilters(new EdgeErrorFilter(logger, database));
    await app.listen();
    runtime.onShutdown(() => app.close());
    return;
  }
  const app = await NestFactory.create(module, {
    logger: new NestPinoLogger(logger),
    forceCloseConnections: http.forceCloseConnections ?? false,
  });
  app.useGlobalFilters(new EdgeErrorFilter(logger, database));
  app.use((request: HttpRequest, response: HttpResponse, next: () => void) => {
    const parent = extractTraceContext(httpHeaderBag(request.headers));
    enterSpan(request.method, parent, SpanKind.SERVER, (span) => {
      span.setAttributes({ 'http.request.method': request.method, 'url.path': request.path });
      response.once('close', () => {
        span.setAttribute('http.response.status_code', response.statusCode);
        if (response.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      });
      // x-correlation-id: the name HTTP callers sent before Hearth-Correlation-Id served both edges.
      const sent = request.headers[CorrelationHeader.toLowerCase()] ?? request.headers['x-correlation-id'];
      correlation.run(correlationIdOf(typeof sent === 'string' ? sent : undefined), next);
    });
  });
  http.configure?.(app);
  app.connectMicroservice({ strategy }, { inheritAppConfig: true });
  await app.startAllMicroservices();
  await app.listen(http.port, http.host);
  runtime.onShutdown(() => app.close());
}

// Kept here too for the services that import it from the Nest edge.
export { exitOnSignals } from '../runtime/signals.js';
