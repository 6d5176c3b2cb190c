import { headers as natsHeaders, type MsgHdrs, type NatsConnection } from '@nats-io/nats-core';
import { DeploymentRef, type GetDeploymentRequest } from './deployment.js';
import { ErrorCode, HearthError } from './errors.js';
import { CorrelationHeader, ServiceErrorHeaders, Subjects } from './subjects.js';

const encoder = new TextEncoder();

/** The error a service answered with, rebuilt from the NATS services error headers. */
export function serviceErrorOf(headers: MsgHdrs | undefined): HearthError | null {
  const code = headers?.get(ServiceErrorHeaders.code);
  if (!code) return null;
  const known = Object.values(ErrorCode).find((c) => c === code);
  return new HearthError(known ?? ErrorCode.Internal, headers?.get(ServiceErrorHeaders.message) ?? code);
}

/** What a typed client sends besides the request: contracts carry no telemetry or context of their own. */
export interface ClientOptions {
  timeoutMs?: number;
  /**
   * Writes the caller's trace context into a request's headers, so the callee's span continues the
   * caller's trace: a service passes the platform's `injectTraceContext`.
   */
  injectTraceContext?: (headers: MsgHdrs) => void;
  /** The caller's correlation id, sent as Hearth-Correlation-Id: a service passes `() => correlation.getStore()`. */
  correlationId?: () => string | undefined;
}
export type ConsoleClientOptions = ClientOptions;

/** The caller's trace context and correlation id as request headers, written into `into` or new ones. */
export function callerHeaders(options: ClientOptions, into?: MsgHdrs): MsgHdrs | undefined {
  const correlationId = options.correlationId?.();
  if (!into && !correlationId && !options.injectTraceContext) return undefined; // no header block to encode
  const headers = into ?? natsHeaders();
  options.injectTraceContext?.(headers);
  if (correlationId) headers.set(CorrelationHeader, correlationId);
  return headers;
}

/** A typed client any subsystem imports to find a workspace's deployment over NATS. */
export class ConsoleClient {
  private readonly timeoutMs: number;

  constructor(
    private readonly nc: NatsConnection,
    private readonly options: ClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  async getWorkspaceDeployment(slug: string): Promise<DeploymentRef | null> {
    const request: GetDeploymentRequest = { slug };
    const headers = callerHeaders(this.options);
    const reply = await this.nc.request(Subjects.deploymentGet, encoder.encode(JSON.stringify(request)), {
      timeout: this.timeoutMs,
      ...(headers ? { headers } : {}),
    });
    const error = serviceErrorOf(reply.headers);
    if (error) throw error;
    const body: unknown = reply.json();
    return body === null ? null : DeploymentRef.parse(body);
  }
}
