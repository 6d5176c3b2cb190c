import { headers as natsHeaders, type MsgHdrs, type NatsConnection } from '@nats-io/nats-core';
import { DeploymentRef, type GetDeploymentRequest } from './deployment.js';
import { ErrorCode, HearthError } from './errors.js';
import { ServiceErrorHeaders, Subjects } from './subjects.js';

const encoder = new TextEncoder();

/** The error a service answered with, rebuilt from the NATS services error headers. */
export function serviceErrorOf(headers: MsgHdrs | undefined): HearthError | null {
  const code = headers?.get(ServiceErrorHeaders.code);
  if (!code) return null;
  const known = Object.values(ErrorCode).find((c) => c === code);
  return new HearthError(known ?? ErrorCode.Internal, headers?.get(ServiceErrorHeaders.message) ?? code);
}

export interface ConsoleClientOptions {
  timeoutMs?: number;
  /**
   * Writes the caller's trace context into a request's headers, so the console's span continues the
   * caller's trace: a service passes the platform's `injectTraceContext`. Contracts carry no
   * telemetry of their own; without it, requests go without trace headers.
   */
  injectTraceContext?: (headers: MsgHdrs) => void;
}

/** A typed client any subsystem imports to find a workspace's deployment over NATS. */
export class ConsoleClient {
  private readonly timeoutMs: number;

  constructor(
    private readonly nc: NatsConnection,
    private readonly options: ConsoleClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  async getWorkspaceDeployment(slug: string): Promise<DeploymentRef | null> {
    const request: GetDeploymentRequest = { slug };
    const reply = await this.nc.request(Subjects.deploymentGet, encoder.encode(JSON.stringify(request)), {
      timeout: this.timeoutMs,
      ...this.traceHeaders(),
    });
    const error = serviceErrorOf(reply.headers);
    if (error) throw error;
    const body: unknown = reply.json();
    return body === null ? null : DeploymentRef.parse(body);
  }

  private traceHeaders(): { headers?: MsgHdrs } {
    if (!this.options.injectTraceContext) return {};
    const headers = natsHeaders();
    this.options.injectTraceContext(headers);
    return { headers };
  }
}
