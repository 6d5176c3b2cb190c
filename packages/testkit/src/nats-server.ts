import { inboxPrefixOf, NatsIdentities, nkeyVariableOf, type NatsIdentity } from '@hearth/contracts';
import { createUser } from '@nats-io/nkeys';
import { connect, nkeyAuthenticator, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { until } from './until.js';

/** The shipped configuration of Hearth's NATS: identities and their permissions. */
export const NATS_CONFIG = resolve(import.meta.dirname, '../../../infra/nats.conf');

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}

/** `count` free loopback ports, all different: each held open until every one is found. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))));
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

export interface TestNats {
  /** Its client URL; a cluster's nodes, comma-separated, as NATS_URL takes them. */
  url: string;
  /** Each identity's nkey seed on a server started with `auth`; none on an anonymous one. */
  seeds?: Readonly<Record<NatsIdentity, string>>;
  /** A connection as `identity` with its inbox prefix: by its seed with `auth`, anonymously otherwise. */
  connect(identity: NatsIdentity, options?: Partial<ConnectionOptions>): Promise<NatsConnection>;
  /** Kills the server (every node of a cluster) and starts it again on the same ports and storage (JetStream state kept). */
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
  const port = await freePort();
  const url = `nats://127.0.0.1:${port}`;
  const identities = options.auth ? freshIdentities() : undefined;
  const connectAs = connector([url], identities?.seeds);
  const server = natsServer({
    binary: options.binary,
    args: identities ? ['-c', NATS_CONFIG, ...clientPort(port)] : [...clientPort(port), '-js'],
    env: identities?.env ?? {},
    answers: () => answers(connectAs),
  });
  await server.start();
  return {
    url,
    ...(identities ? { seeds: identities.seeds } : {}),
    connect: connectAs,
    restart: async (downMs = 0) => {
      await server.kill();
      await sleep(downMs);
      await server.start();
    },
    stop: server.stop,
  };
}

/** Hearth's NATS as one node of a cluster: the shipped identities and permissions, and the routes. */
export const NATS_CLUSTER_CONFIG = resolve(import.meta.dirname, '../../../infra/nats-cluster.conf');

/** One node of a test's NATS cluster. */
export interface TestNatsNode {
  /** Its server name (HEARTH_NATS_NODE). */
  readonly name: string;
  /** Its own client URL. */
  readonly url: string;
  /** Kills it as a crash would (SIGKILL); its store stays. */
  kill(): Promise<void>;
  /** Starts it again, on the same ports and store, once killed: resolves when it has caught up with the cluster. */
  start(): Promise<void>;
  /** The names of the clients connected to it now (a Hearth process connects as `hearth-<service>`). */
  clients(): Promise<string[]>;
}

export interface TestNatsCluster extends TestNats {
  nodes: readonly TestNatsNode[];
}

/**
 * Three nats-servers on loopback as one JetStream cluster, each on its own free ports with its own
 * store, running the shipped infra/nats-cluster.conf (so always with Hearth's identities: `auth`)
 * with fresh identities and a fresh route password. Resolves once the cluster has a JetStream meta
 * leader. Its `url` names the three nodes; a node can be killed and started again.
 */
export async function startNatsCluster(options: NatsOptions & { auth: true }): Promise<TestNatsCluster> {
  const names = ['hearth-nats-1', 'hearth-nats-2', 'hearth-nats-3'];
  // Nine different ports: one at a time, the OS may hand out a port just closed again.
  const free = await freePorts(names.length * 3);
  const ports = names.map((_, i) => ({ client: free[3 * i]!, route: free[3 * i + 1]!, monitor: free[3 * i + 2]! }));
  const identities = freshIdentities();
  const routePassword = randomBytes(24).toString('hex');
  const routes = ports.map(({ route }) => `"nats-route://route:${routePassword}@127.0.0.1:${route}"`);
  const urls = ports.map(({ client }) => `nats://127.0.0.1:${client}`);
  const connectAs = connector(urls, identities.seeds);
  const nodes = names.map((name, i) => {
    const { client, route, monitor } = ports[i]!;
    const monitorUrl = `http://127.0.0.1:${monitor}`;
    // In the cluster: it knows the JetStream meta leader. Not /healthz, which also wants every stream and
    // consumer in step: on a loaded machine a node restarted on its store took longer than 30 s with one
    // consumer behind. A test that needs a stream in step on it waits for that stream.
    const healthy = () =>
      fetch(`${monitorUrl}/jsz`).then(
        async (response) =>
          response.ok &&
          Boolean(((await response.json()) as { meta_cluster?: { leader?: string } }).meta_cluster?.leader),
        () => false,
      );
    const server = natsServer({
      binary: options.binary,
      args: ['-c', NATS_CLUSTER_CONFIG, ...clientPort(client), '-m', String(monitor)],
      env: {
        ...identities.env,
        HEARTH_NATS_NODE: name,
        HEARTH_NATS_CLUSTER_LISTEN: `127.0.0.1:${route}`,
        HEARTH_NATS_ROUTES: `[${routes.join(', ')}]`,
        HEARTH_NATS_ROUTE_PASSWORD: `"${routePassword}"`,
      },
      answers: async () => (await answers(connector([urls[i]!], identities.seeds))) && (await healthy()),
    });
    return {
      server,
      node: {
        name,
        url: urls[i]!,
        kill: server.kill,
        start: server.start,
        clients: async () => {
          const connz = (await (await fetch(`${monitorUrl}/connz?limit=1024`)).json()) as {
            connections?: { name?: string }[];
          };
          return (connz.connections ?? []).flatMap(({ name }) => (name ? [name] : []));
        },
      } satisfies TestNatsNode,
    };
  });
  // Together: a node's health waits for the meta leader, which needs a quorum of them up.
  const startAll = () => Promise.all(nodes.map(({ server }) => server.start()));
  await startAll().catch(async (error: unknown) => {
    await Promise.all(nodes.map(({ server }) => server.stop()));
    throw error;
  });
  return {
    url: urls.join(','),
    seeds: identities.seeds,
    connect: connectAs,
    nodes: nodes.map(({ node }) => node),
    restart: async (downMs = 0) => {
      await Promise.all(nodes.map(({ server }) => server.kill()));
      await sleep(downMs);
      await startAll();
    },
    stop: async () => {
      await Promise.all(nodes.map(({ server }) => server.stop()));
    },
  };
}

/** Hearth's NATS identities, each with a fresh nkey: their seeds, and the public keys as nats.conf reads them. */
function freshIdentities() {
  const users = NatsIdentities.map((identity) => ({ identity, keys: createUser() }));
  return {
    seeds: Object.fromEntries(
      users.map(({ identity, keys }) => [identity, new TextDecoder().decode(keys.getSeed())]),
    ) as Record<NatsIdentity, string>,
    env: Object.fromEntries(users.map(({ identity, keys }) => [nkeyVariableOf(identity), keys.getPublicKey()])),
  };
}

/** Connects as an identity to `servers`: by its seed when there are seeds, anonymously otherwise. */
function connector(servers: string[], seeds?: Readonly<Record<NatsIdentity, string>>) {
  return (identity: NatsIdentity, extra: Partial<ConnectionOptions> = {}) =>
    connect({
      servers,
      inboxPrefix: inboxPrefixOf(identity),
      ...(seeds ? { authenticator: nkeyAuthenticator(new TextEncoder().encode(seeds[identity])) } : {}),
      ...extra,
    });
}

const clientPort = (port: number) => ['-a', '127.0.0.1', '-p', String(port)];

/**
 * Whether a server lets `admin` connect now. A generous handshake: on a loaded machine a short one
 * fails every time against a server that is up.
 */
const answers = (connectAs: ReturnType<typeof connector>) =>
  connectAs('admin', { reconnect: false, timeout: 5_000 }).then(
    (nc) => nc.close().then(() => true),
    () => false,
  );

/**
 * One nats-server process with a store of its own (`-sd`), started (and after a kill started again on
 * the same store) until `answers` says it is up, killed with SIGKILL as a crash would. A server that
 * does not come up fails with the last lines it logged.
 */
function natsServer(spec: {
  binary: string | undefined;
  args: string[];
  env: Record<string, string>;
  answers: () => Promise<boolean>;
}) {
  const binary = spec.binary ?? process.env.NATS_SERVER_BIN ?? 'nats-server';
  const storeDir = mkdtemp(join(tmpdir(), 'hearth-nats-'));
  let child: ChildProcess | null = null;
  const kill = async () => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  return {
    start: async () => {
      const logged: string[] = [];
      child = spawn(binary, [...spec.args, '-sd', await storeDir], {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { PATH: process.env.PATH, ...spec.env },
      });
      createInterface({ input: child.stderr! }).on('line', (line) => {
        logged.push(line);
        if (logged.length > 40) logged.shift();
      });
      const started = child;
      // One that exits (its port taken meanwhile, say) says why at once, instead of a wait to the timeout.
      const up = () => {
        if (started.exitCode !== null) throw new Error(`nats-server exited ${started.exitCode}`);
        return spec.answers();
      };
      try {
        await until(up, { timeoutMs: 30_000, what: `nats-server ${spec.args.join(' ')}` });
      } catch (error) {
        await kill(); // never left running by a start that failed
        throw new Error(`${(error as Error).message}; it logged:\n${logged.join('\n')}`, { cause: error });
      }
    },
    kill,
    stop: async () => {
      await kill();
      await rm(await storeDir, { recursive: true, force: true });
    },
  };
}
