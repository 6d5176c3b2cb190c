import {
  CorrelationHeader,
  ErrorCode,
  fieldsHeaderOf,
  HearthError,
  InvalidFieldsError,
  isReplyInbox,
  ServiceErrorHeaders,
  BusHeaders,
  type BusSigner,
} from '@hearth/contracts';
import { Svcm, type Service, type ServiceMsg } from '@nats-io/services';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import { BaseRpcContext, Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import type { Logger } from 'pino';
import { correlation, correlationIdOf } from '../logging/logger.js';
import type { DatabaseAvailability } from '../postgres/availability.js';
import { extractTraceContext, inSpan, SpanKind } from '../telemetry/telemetry.js';

/** What a NATS endpoint handler receives besides the decoded body. */
export class NatsRequestContext extends BaseRpcContext<[ServiceMsg]> {
  get message(): ServiceMsg {
    return this.args[0];
  }
}

export interface ServiceTransportOptions {
  nc: NatsConnection;
  name: string;
  version: string;
  description: string;
  logger: Logger;
  /** Queue group shared by the replicas of one service. */
  queue?: string;
  /**
   * Signs every answer (not errors, which grant nothing) over the request's subject and
   * Hearth-Request-Nonce, so a caller can tell this service's answer from anyone else's on the bus;
   * or MACs it, when the request carries a reply key sealed to this service (Hearth-Reply-Key).
   */
  replySigner?: BusSigner;
  /** Answers a failure to reach the service's database as HEARTH.DATABASE_UNAVAILABLE, logged once per outage. */
  database?: Pick<DatabaseAvailability, 'refusal'>;
}

/**
 * Serves the app's `@MessagePattern(subject)` handlers as endpoints of a NATS service (the NATS
 * services API: `$SRV.PING|INFO|STATS` discovery for free). Bodies are plain JSON both ways, so any
 * NATS client can call; a failure answers with the stable code in `Nats-Service-Error-Code` and the
 * message in `Nats-Service-Error`, plus a JSON error body.
 */
export class NatsServiceTransport extends Server implements CustomTransportStrategy {
  private service: Service | null = null;

  constructor(private readonly options: ServiceTransportOptions) {
    super();
  }

  async listen(callback: (...optionalParams: unknown[]) => unknown): Promise<void> {
    const { nc, name, version, description, queue } = this.options;
    const service = await new Svcm(nc).add({ name, version, description, ...(queue ? { queue } : {}) });
    this.service = service;
    for (const [subject, handler] of this.messageHandlers) {
      service.addEndpoint(subject.replaceAll('.', '-'), {
        subject,
        handler: (_err, msg) => void this.serve(subject, handler, msg),
      });
    }
    callback();
  }

  async close(): Promise<void> {
    await this.service?.stop();
    this.service = null;
  }

  on(): never {
    throw new Error('NatsServiceTransport has no events to subscribe to');
  }

  unwrap<T>(): T {
    return this.service as T;
  }

  /** One request, in a server span and in the caller's correlation (or a fresh one), as HTTP requests are. */
  private async serve(subject: string, handler: MessageHandler, msg: ServiceMsg): Promise<void> {
    if (!isReplyInbox(msg.reply)) {
      this.options.logger.warn({ subject }, 'request whose reply subject is no inbox: ignored');
      return;
    }
    const correlationId = correlationIdOf(msg.headers?.get(CorrelationHeader) || undefined);
    await correlation.run(correlationId, () =>
      inSpan(subject, extractTraceContext(msg.headers), SpanKind.SERVER, async () => {
        try {
          let body: unknown;
          try {
            body = msg.data.length === 0 ? {} : msg.json();
          } catch {
            throw new HearthError(ErrorCode.MalformedJson, 'request body is not valid JSON');
          }
          // Nest's handler resolves to the endpoint's value, or to an Observable (an endpoint's own, or the
          // error filter's throwError); only the latter goes through rxjs, which costs a plain value a
          // few µs of allocations and microtask hops per request.
          const answer: unknown = await handler(body, new NatsRequestContext([msg]));
          const result = isObservable(answer) ? await lastValueFrom(answer, { defaultValue: null }) : answer;
          await this.respond(msg, subject, result ?? null);
        } catch (error) {
          this.respondError(msg, subject, error);
        }
      }),
    );
  }

  private async respond(msg: ServiceMsg, subject: string, body: unknown): Promise<void> {
    const text = JSON.stringify(body);
    const signer = this.options.replySigner;
    if (!signer) {
      msg.respond(text);
      return;
    }
    const h = headers();
    const nonce = msg.headers?.get(BusHeaders.requestNonce) ?? '';
    const sealedReplyKey = msg.headers?.get(BusHeaders.replyKey);
    if (sealedReplyKey) {
      // A caller that sent a reply key gets a MAC under it over the very bytes it receives.
      const bytes = Buffer.from(text, 'utf8');
      const request = { subject, nonce, bytes: msg.data };
      h.set(BusHeaders.replyMac, await signer.macReply(request, bytes, sealedReplyKey));
      msg.respond(bytes, { headers: h });
      return;
    }
    // Signed as the caller will read it back (a Date as its ISO text, no undefined fields).
    h.set(BusHeaders.signature, signer.signReply(subject, nonce, msg.data, JSON.parse(text) as unknown));
    msg.respond(text, { headers: h });
  }

  private respondError(msg: ServiceMsg, subject: string, error: unknown): void {
    const known = error instanceof HearthError ? error : (this.options.database?.refusal(error) ?? null);
    if (!known) this.options.logger.error({ err: error, subject }, 'endpoint failed');
    const code = known?.code ?? ErrorCode.Internal;
    const message = known?.message ?? 'internal error';
    const h = headers();
    h.set(ServiceErrorHeaders.code, code);
    h.set(ServiceErrorHeaders.message, message);
    const fields = known instanceof InvalidFieldsError ? { fields: known.fields } : {};
    if (known instanceof InvalidFieldsError) h.set(ServiceErrorHeaders.fields, fieldsHeaderOf(known.fields));
    msg.respond(JSON.stringify({ error: { code, message, ...fields } }), { headers: h });
  }
}
