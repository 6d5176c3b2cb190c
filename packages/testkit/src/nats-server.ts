import { inboxPrefixOf, NatsIdentities, nkeyVariableOf, type NatsIdentity } from '@hearth/contracts';
import { createUser } from '@nats-io/nkeys';
import { connect, nkeyAuthenticator, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { until } from './until.js';

/** The shipped configuration of Hearth's NATS: identities and their permissions. */
export const NATS_CONFIG = resolve(import.meta.dirname, '../../../infra/nats.conf');

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface TestNats {
  url: string;
  /** Each identity's nkey seed on a server started with `auth`; none on an anonymous one. */
  seeds?: Readonly<Record<NatsIdentity, string>>;
  /** A connection as `identity` with its inbox prefix: by its seed with `auth`, anonymously otherwise. */
  connect(identity: NatsIdentity, options?: Partial<ConnectionOptions>): Promise<NatsConnection>;
  /** Kills the server and starts it again on the same port and storage (JetStream state kept). */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface NatsOptions {
  /** Run the shipped infra/nats.conf with fresh identities instead of an anonymous server. */
  auth?: boolean;
  binary?: string;
}

/**
 * A real nats-server with JetStream of the test's own, on a free loopback port with its own store,
 * so tests never share streams or durable consumers with each other or with a running Hearth.
 * Anonymous, unless `auth`: then Hearth's own configuration, with a fresh seed for each identity.
 */
export async function startNats(options: NatsOptions = {}): Promise<TestNats> {
  const binary = options.binary ?? process.env.NATS_SERVER_BIN ?? 'nats-server';
  const port = await freePort();
  const storeDir = await mkdtemp(join(tmpdir(), 'hearth-nats-'));
  const url = `nats://127.0.0.1:${port}`;
  const users = options.auth ? NatsIdentities.map((identity) => ({ identity, keys: createUser() })) : undefined;
  const seeds = users
    ? (Object.fromEntries(
        users.map(({ identity, keys }) => [identity, new TextDecoder().decode(keys.getSeed())]),
      ) as Record<NatsIdentity, string>)
    : undefined;
  const connectAs = (identity: NatsIdentity, extra: Partial<ConnectionOptions> = {}) =>
    connect({
      servers: url,
      inboxPrefix: inboxPrefixOf(identity),
      ...(seeds ? { authenticator: nkeyAuthenticator(new TextEncoder().encode(seeds[identity])) } : {}),
      ...extra,
    });
  let child: ChildProcess | null = null;

  const start = async () => {
    const where = ['-a', '127.0.0.1', '-p', String(port), '-sd', storeDir];
    child = users
      ? spawn(binary, ['-c', NATS_CONFIG, ...where], {
          stdio: ['ignore', 'ignore', 'pipe'],
          env: {
            PATH: process.env.PATH,
            ...Object.fromEntries(users.map(({ identity, keys }) => [nkeyVariableOf(identity), keys.getPublicKey()])),
          },
        })
      : spawn(binary, [...where, '-js'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const started = child;
    const said: string[] = [];
    started.stderr?.on('data', (chunk: Buffer) => said.push(chunk.toString('utf8')));
    // One that exits (its port taken meanwhile, say) says why at once, instead of a wait to the timeout.
    const answers = () => {
      if (started.exitCode !== null)
        throw new Error(`nats-server on ${url} exited ${started.exitCode}: ${said.join('')}`);
      // A generous handshake: on a loaded machine a short one fails every time against a server that is up.
      return connectAs('admin', { reconnect: false, timeout: 5_000 }).then(
        (nc) => nc.close().then(() => true),
        () => false,
      );
    };
    await until(answers, { timeoutMs: 30_000 }).catch((error: unknown) => {
      started.kill('SIGKILL'); // never left running by a start that failed
      throw new Error(`nats-server on ${url} did not answer: ${String(error)}\n${said.join('')}`);
    });
    // Read on and dropped from now on: a pipe nobody reads would stall the server once full.
    started.stderr?.removeAllListeners('data').resume();
  };
  const kill = async () => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };

  await start();
  return {
    url,
    ...(seeds ? { seeds } : {}),
    connect: connectAs,
    restart: async (downMs = 0) => {
      await kill();
      await sleep(downMs);
      await start();
    },
    stop: async () => {
      await kill();
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}
