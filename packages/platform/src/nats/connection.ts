import { jetstreamManager, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { inboxPrefixOf, type NatsIdentity } from '@hearth/contracts';
import { connect, nkeyAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The servers of a NATS_URL: one URL, or several comma-separated (the nodes of a cluster, as
 * nats.js `servers` takes them), blanks ignored.
 */
export function natsServers(url: string): string[] {
  return url
    .split(',')
    .map((server) => server.trim())
    .filter((server) => server !== '');
}

/**
 * Connects to NATS as `identity` (infra/nats.conf): authenticated by its nkey `seed` when given
 * (NATS_NKEY_SEED; without one, anonymously, as a test's own server allows), and with the
 * identity's own inbox prefix, the only inboxes its permissions let it hear. `url` may name several
 * servers (natsServers): a connection that loses its server reconnects to another, and also to those
 * the cluster announces. `noAsyncTraces` drops the async stack capture nats.js takes per request
 * (measured: +40% throughput at 64 callers); reconnects never give up.
 */
export function connectNats(
  url: string,
  identity: NatsIdentity | (string & {}),
  seed?: string,
): Promise<NatsConnection> {
  return connect({
    servers: natsServers(url),
    name: `hearth-${identity}`,
    inboxPrefix: inboxPrefixOf(identity),
    ...(seed ? { authenticator: nkeyAuthenticator(new TextEncoder().encode(seed)) } : {}),
    noAsyncTraces: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
  });
}

/**
 * Calls `then` each time `nc` is connected again after losing its server, until the returned function
 * is called: for a loop that waits between retries, so it retries as soon as NATS is back.
 */
export function onReconnect(nc: Pick<NatsConnection, 'status'>, then: () => void): () => void {
  const statuses = nc.status();
  void (async () => {
    for await (const status of statuses) if (status.type === 'reconnect') then();
  })();
  // nats.js's status iterator has stop(), which its declared type leaves out.
  return () => (statuses as Partial<{ stop(): void }>).stop?.();
}

export type StreamSpec = Pick<StreamConfig, 'name' | 'subjects'> & Partial<StreamConfig>;

/**
 * Creates a stream, or brings an existing one to `spec`: only the stream's owner does
 * (infra/nats.conf), and a stream someone else made first is brought to the owner's spec. That
 * includes its `num_replicas` (NATS_STREAM_REPLICAS): a stream made R1 before the cluster is scaled
 * to R3 in place, its durable consumers with it (they inherit the stream's replicas); a server that
 * is not clustered refuses more than one replica, and the service stops at start saying so.
 */
export async function ensureStream(jsm: JetStreamManager, spec: StreamSpec): Promise<void> {
  try {
    await jsm.streams.add(spec);
  } catch (error) {
    if (!String(error).includes('already in use')) throw error;
    await jsm.streams.update(spec.name, spec);
  }
}

/**
 * Waits until the stream `name` exists: a service that consumes or publishes to a stream another
 * service owns (and only that one may create) looks it up, never makes it.
 */
export async function awaitStream(jsm: JetStreamManager, name: string, pollMs = 250): Promise<void> {
  for (;;) {
    try {
      await jsm.streams.info(name);
      return;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    await sleep(pollMs);
  }
}

function isNotFound(error: unknown): boolean {
  const e = error as { api_error?: { err_code?: number }; code?: string; message?: string };
  return e.api_error?.err_code === 10059 || /not found/i.test(e.message ?? '');
}

export { jetstreamManager };
