import { headers as natsHeaders, type Msg, type MsgHdrs, type NatsConnection } from '@nats-io/nats-core';
import {
  BusHeaders,
  requestNonce,
  verifyReplyMac,
  type BusVerifier,
  type ReplyKeys,
  type ServiceName,
} from './bus-signature.js';
import { DeploymentRef, type GetDeploymentRequest } from './deployment.js';
import { WorkspaceScope } from './scopes.js';
import { ErrorCode, fieldsOfHeader, HearthError, InvalidFieldsError } from './errors.js';
import { CorrelationHeader, ServiceErrorHeaders, Subjects } from './subjects.js';

const encoder = new TextEncoder();

/** The error a service answered with, rebuilt from the NATS services error headers. */
export function serviceErrorOf(headers: MsgHdrs | undefined): HearthError | null {
  const code = headers?.get(ServiceErrorHeaders.code);
  if (!code) return null;
  const known = Object.values(ErrorCode).find((c) => c === code);
  const message = headers?.get(ServiceErrorHeaders.message) ?? code;
  // A field-by-field refusal comes back as one, so a caller (the CLI) can name each field.
  if (known === ErrorCode.InvalidFields) {
    return new InvalidFieldsError(message, fieldsOfHeader(headers?.get(ServiceErrorHeaders.fields)));
  }
  return new HearthError(known ?? ErrorCode.Internal, message);
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

/**
 * Asks service `from` on `subject` and answers its reply's body only if `from` authenticated it for
 * this very request (bound to a fresh nonce), so nobody else on the bus can answer in its place. An
 * error it answers with is thrown as it came: it grants nothing.
 *
 * With `replyKeys`, the request carries a reply key sealed to `from` and the reply must bear a MAC
 * under it, which only `from` could have opened: as sure, and far cheaper on both sides. Without,
 * the reply is signed, a proof anyone holding the pinned keys can check again later (an audit
 * journal's head, a token's holder).
 */
export async function askSigned(
  nc: NatsConnection,
  verifier: BusVerifier,
  from: ServiceName,
  subject: string,
  request: unknown,
  options: ClientOptions & { headers?: MsgHdrs; replyKeys?: ReplyKeys },
): Promise<unknown> {
  const nonce = requestNonce();
  const headers = callerHeaders(options, options.headers ?? natsHeaders())!;
  headers.set(BusHeaders.requestNonce, nonce);
  const replyKey = await options.replyKeys?.current();
  if (replyKey) headers.set(BusHeaders.replyKey, replyKey.sealed);
  const bytes = encoder.encode(JSON.stringify(request));
  const reply: Msg = await nc.request(subject, bytes, { timeout: options.timeoutMs ?? 5_000, headers });
  const error = serviceErrorOf(reply.headers);
  if (error) throw error;
  if (replyKey) {
    const binding = { service: from, subject, nonce, request: bytes };
    verifyReplyMac(replyKey.key, binding, reply.data, reply.headers?.get(BusHeaders.replyMac));
    return reply.json();
  }
  const body: unknown = reply.json();
  verifier.verifyReply(from, { subject, nonce, bytes }, body, reply.headers?.get(BusHeaders.signature));
  return body;
}

/**
 * A typed client any subsystem imports to find a workspace's deployment over NATS; it takes only the
 * console's word, MACed under a reply key of its own (nothing here needs a signature to keep).
 */
export class ConsoleClient {
  private readonly options: ClientOptions & { replyKeys: ReplyKeys };

  constructor(
    private readonly nc: NatsConnection,
    private readonly verifier: BusVerifier,
    options: ClientOptions = {},
  ) {
    this.options = { ...options, replyKeys: verifier.replyKeysFor('console') };
  }

  async getWorkspaceDeployment(slug: string): Promise<DeploymentRef | null> {
    const request: GetDeploymentRequest = { slug };
    const body = await askSigned(this.nc, this.verifier, 'console', Subjects.deploymentGet, request, this.options);
    return body === null ? null : DeploymentRef.parse(body);
  }

  /** A workspace's team and org as the console's tenancy tree has them; null when there is no such workspace. */
  async getWorkspaceScope(workspace: string): Promise<WorkspaceScope | null> {
    const body = await askSigned(
      this.nc,
      this.verifier,
      'console',
      Subjects.workspaceScope,
      { workspace },
      this.options,
    );
    return body === null ? null : WorkspaceScope.parse(body);
  }
}
