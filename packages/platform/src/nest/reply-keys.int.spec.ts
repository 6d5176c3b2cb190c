import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  BusHeaders,
  ConsoleClient,
  ErrorCode,
  replyMac,
  serviceErrorOf,
  Subjects,
  type GetDeploymentRequest,
} from '@hearth/contracts';
import { generateServiceKeys, startNats, type TestNats } from '@hearth/testkit';
import { headers as natsHeaders, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { randomBytes } from 'node:crypto';
import { createLogger } from '../logging/logger.js';
import { nestModuleOf } from './module.js';
import { serveNest } from './serve.js';
import { connectNats } from '../nats/connection.js';

const busKeys = generateServiceKeys();
const logger = createLogger({ service: 'reply-keys', destination: { write: () => undefined } });
const LIVE = {
  workspace_slug: 'acme',
  tier: 'dev',
  driver: 'localdocker',
  engine: 'default',
  endpoint: '',
  secrets_vault_path: 'vault://hearth/acme',
  created: '2026-01-01T00:00:00.000Z',
  last_status: 'ready',
};

/** Stands in for the console: knows one live workspace, answers null for any other. */
@Controller()
class Deployments {
  @MessagePattern(Subjects.deploymentGet)
  get(@Payload() request: GetDeploymentRequest) {
    return request.slug === LIVE.workspace_slug ? LIVE : null;
  }
}

/**
 * The console's endpoint on one bus (`home`); a caller on another (`away`) where an impostor answers
 * console.deployment.get, with the console's answers to whatever the impostor asks it at hand.
 */
describe('reply keys: an answer MACed under a key only the console could open', () => {
  let home: TestNats;
  let away: TestNats;
  let consoleNc: NatsConnection;
  let callerNc: NatsConnection;
  let impostorHome: NatsConnection;
  let impostorAway: NatsConnection;
  const shutdown: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    [home, away] = await Promise.all([startNats(), startNats()]);
    consoleNc = await connectNats(home.url, 'console');
    await serveNest({
      module: nestModuleOf([Deployments], {}),
      runtime: { nc: consoleNc, logger, onShutdown: (step) => shutdown.push(step) },
      service: {
        name: 'console',
        version: '0.0.1',
        description: 'console stand-in',
        queue: 'console',
        replySigner: busKeys.signer('console'),
      },
    });
    [callerNc, impostorHome, impostorAway] = await Promise.all([
      connectNats(away.url, 'caller'),
      connectNats(home.url, 'impostor'),
      connectNats(away.url, 'impostor'),
    ]);
  });
  afterAll(async () => {
    for (const step of shutdown.reverse()) await step();
    await Promise.all([consoleNc, callerNc, impostorHome, impostorAway].map((nc) => nc?.close()));
    await Promise.all([home?.stop(), away?.stop()]);
  });

  /** A reply key sealed to the console, as ConsoleClient sends it. */
  const sealedReplyKey = async () => (await busKeys.verifier().replyKeysFor('console').current()).sealed;

  /** The console's raw answer to `body` with `headers` (a fresh nonce unless given). */
  const askConsole = (body: unknown, set: Record<string, string> = {}): Promise<Msg> => {
    const h = natsHeaders();
    h.set(BusHeaders.requestNonce, randomBytes(18).toString('base64url'));
    for (const [name, value] of Object.entries(set)) h.set(name, value);
    return impostorHome.request(Subjects.deploymentGet, JSON.stringify(body), { timeout: 5_000, headers: h });
  };

  /** What the caller's ConsoleClient makes of `slug` while the impostor answers each request with `answer`. */
  const askedWhile = async (answer: (request: Msg) => Promise<void> | void, slug = LIVE.workspace_slug) => {
    const sub = impostorAway.subscribe(Subjects.deploymentGet, {
      callback: (_error, request) => void Promise.resolve(answer(request)),
    });
    try {
      await impostorAway.flush();
      return await new ConsoleClient(callerNc, busKeys.verifier(), { timeoutMs: 5_000 })
        .getWorkspaceDeployment(slug)
        .then((ref) => ({ ref }))
        .catch((error: { code?: string }) => ({ refused: error.code }));
    } finally {
      sub.unsubscribe();
    }
  };

  /** The impostor passes the request on to the console (as `body`, else unchanged), and its answer back. */
  const relay = (body?: unknown) => async (request: Msg) => {
    const reply = await askConsole(body ?? request.json(), {
      [BusHeaders.requestNonce]: request.headers?.get(BusHeaders.requestNonce) ?? '',
      [BusHeaders.replyKey]: request.headers?.get(BusHeaders.replyKey) ?? '',
    });
    request.respond(reply.data, { headers: reply.headers });
  };

  it('is what the console answers a request that carries a reply key: a MAC, no signature', async () => {
    const sealedAnswer = await askConsole({ slug: 'acme' }, { [BusHeaders.replyKey]: await sealedReplyKey() });
    expect(sealedAnswer.headers?.get(BusHeaders.replyMac)).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(sealedAnswer.headers?.get(BusHeaders.signature)).toBe('');
    // A caller without one (an auditor's tool, a one-off) still gets the signed answer.
    const signedAnswer = await askConsole({ slug: 'acme' });
    expect(signedAnswer.headers?.get(BusHeaders.signature)).not.toBe('');
    expect(signedAnswer.headers?.get(BusHeaders.replyMac)).toBe('');
  });

  it('is refused by the console, with a coded error, when the reply key is not sealed to it', async () => {
    const vaultKeys = busKeys.verifier().replyKeysFor('vault');
    for (const junk of ['junk', randomBytes(80).toString('base64'), (await vaultKeys.current()).sealed]) {
      const answer = await askConsole({ slug: 'acme' }, { [BusHeaders.replyKey]: junk });
      expect(serviceErrorOf(answer.headers)?.code).toBe(ErrorCode.BusBadReplyKey);
    }
  });

  it('reaches the caller through a faithful relay: what counts is who MACed it', async () => {
    expect(await askedWhile(relay())).toEqual({ ref: LIVE });
  });

  it('is refused when the impostor has the console answer another request under the caller’s nonce and key', async () => {
    // The console's own MAC, but over its null for a slug nobody has: it answers that request, not the caller's.
    expect(await askedWhile(relay({ slug: 'nobody-has-this' }))).toEqual({ refused: ErrorCode.BusBadSignature });
  });

  it('is refused when the impostor answers itself, MACed under a key of its own or not at all', async () => {
    const ownKey = randomBytes(32);
    const forged = (request: Msg) => {
      const h = natsHeaders();
      const binding = {
        service: 'console' as const,
        subject: Subjects.deploymentGet,
        nonce: request.headers?.get(BusHeaders.requestNonce) ?? '',
        request: request.data,
      };
      h.set(BusHeaders.replyMac, replyMac(ownKey, binding, Buffer.from('null')).toString('base64'));
      request.respond('null', { headers: h });
    };
    expect(await askedWhile(forged)).toEqual({ refused: ErrorCode.BusBadSignature });
    // A signature (even another service's genuine one) is not what the caller asked for; nor is nothing.
    const signed = (request: Msg) => {
      const h = natsHeaders();
      h.set(BusHeaders.signature, busKeys.signer('vault').signReply(Subjects.deploymentGet, '', request.data, null));
      request.respond('null', { headers: h });
    };
    expect(await askedWhile(signed)).toEqual({ refused: ErrorCode.BusUnsigned });
    expect(await askedWhile((request) => void request.respond('null'))).toEqual({ refused: ErrorCode.BusUnsigned });
  });
});
