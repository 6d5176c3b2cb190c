import type { Tester, TestStatus } from '@hearth/contracts';
import type { CredentialTesters } from '../../app/ports.js';
import { amqpProbe } from './amqp.js';
import { awsProbe } from './aws.js';
import { httpProbes } from './http.js';
import { mongodbProbe } from './mongodb.js';
import { mysqlProbe } from './mysql.js';
import { oauth2Probe } from './oauth2.js';
import { postgresProbe } from './postgres.js';
import { codeOf, messageOf, type Probe, type Values } from './probe.js';
import { redisProbe } from './redis.js';
import { scrub } from './scrub.js';
import { sshProbe } from './ssh.js';

const PROBES: Readonly<Record<Tester, Probe>> = {
  postgres: postgresProbe,
  mysql: mysqlProbe,
  redis: redisProbe,
  amqp: amqpProbe,
  mongodb: mongodbProbe,
  ...httpProbes,
  oauth2_client_credentials: oauth2Probe,
  aws: awsProbe,
  ssh: sshProbe,
};

/** How much later than the test's timeout a client library's own timer fires. */
const CLIENT_TIMER_SLACK_MS = 1000;

/** Longest message kept: a reason, not a driver's dump. */
const MESSAGE_CHARS = 300;

/**
 * The credential tests, one probe per protocol under one timeout. Whatever happens the message is
 * scrubbed of every secret value (and its URL-encoded and base64 forms) before it leaves, because a
 * driver's error may quote what it was given.
 */
export class ProtocolTesters implements CredentialTesters {
  async test(
    tester: Tester,
    values: Values,
    secrets: readonly string[],
    timeoutMs: number,
  ): Promise<{ status: TestStatus; message: string }> {
    const probe = PROBES[tester];
    const { status, message } = await this.run(probe, values, timeoutMs);
    return { status, message: scrub(message, secrets).slice(0, MESSAGE_CHARS) };
  }

  private async run(probe: Probe, values: Values, timeoutMs: number): Promise<{ status: TestStatus; message: string }> {
    const target = safeTarget(probe, values);
    const aborter = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<{ status: TestStatus; message: string }>((resolve) => {
      timer = setTimeout(() => {
        resolve({ status: 'TIMEOUT', message: `timed out after ${seconds(timeoutMs)} connecting to ${target}` });
        aborter.abort();
      }, timeoutMs);
    });
    // The clients' own connect timers are set past ours, so the runner's TIMEOUT is the one that speaks.
    const tested = probe.run(values, aborter.signal, timeoutMs + CLIENT_TIMER_SLACK_MS).then(
      (verdict) => verdict,
      (error: unknown) => ({ status: 'FAILED' as const, message: describe(probe, error, values, target) }),
    );
    try {
      return await Promise.race([tested, timedOut]);
    } finally {
      clearTimeout(timer);
      aborter.abort();
    }
  }
}

function safeTarget(probe: Probe, values: Values): string {
  try {
    return probe.target(values);
  } catch {
    return 'the configured address';
  }
}

const seconds = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`);

/** A failure in words a person can act on: the protocol's own refusals first, then the network's. */
function describe(probe: Probe, error: unknown, values: Values, target: string): string {
  const refusal = probe.refusal?.(error, values);
  if (refusal) return refusal;
  const code = codeOf(error);
  const host = target.replace(/:\d+$/, '');
  const network: Record<string, string> = {
    ECONNREFUSED: `connection refused at ${target}`,
    ENOTFOUND: `no such host ${host}`,
    EAI_AGAIN: `no such host ${host}`,
    EAI_NONAME: `no such host ${host}`,
    EHOSTUNREACH: `no route to ${target}`,
    ENETUNREACH: `no route to ${target}`,
    ECONNRESET: `the connection to ${target} was closed by the server`,
    EPIPE: `the connection to ${target} was closed by the server`,
    ETIMEDOUT: `timed out connecting to ${target}`,
  };
  const named = network[code ?? ''];
  if (named) return named;
  if (code && isTlsCode(code)) return `TLS handshake failed with ${target} (${code})`;
  if (/\b(ssl|tls)\b/i.test(messageOf(error))) return `TLS handshake failed with ${target}: ${firstLine(error)}`;
  return `${target}: ${firstLine(error)}`;
}

function isTlsCode(code: string): boolean {
  return (
    code.startsWith('ERR_TLS') ||
    code.startsWith('ERR_SSL') ||
    code.startsWith('CERT_') ||
    code.includes('SELF_SIGNED') ||
    code.startsWith('UNABLE_TO_') ||
    code === 'HOSTNAME_MISMATCH'
  );
}

const firstLine = (error: unknown): string => messageOf(error).split('\n')[0]!.slice(0, 200);
