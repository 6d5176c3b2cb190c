import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { HatchStream, HearthError, Streams, VaultClient } from '@hearth/contracts';
import {
  eventMark,
  eventsSince,
  queryDatabase,
  runCli,
  SECRET_READ_SUBJECT,
  startConsoleProcess,
  startHatchProcess,
  startNatsCluster,
  startVaultProcess,
  streamMessages,
  until,
  type RunningConsole,
  type RunningHatch,
  type RunningVault,
  type TestNatsCluster,
  type TestNatsNode,
} from '@hearth/testkit';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What a reader saw: each value's read event, and each refusal by its code. */
interface Load {
  /** The read event id of every value returned, and when it came back. */
  returned: { id: string; startedAt: number; at: number }[];
  refused: Map<string, number>;
  stop(): Promise<void>;
}

/** `callers` loops reading `path` back to back (in the vault's sense: each read a read event), until stopped. */
function steadyReads(client: VaultClient, path: string, callers: number): Load {
  let running = true;
  const load: Load = {
    returned: [],
    refused: new Map(),
    stop: async () => {
      running = false;
      await loops;
    },
  };
  const loops = Promise.all(
    Array.from({ length: callers }, async () => {
      while (running) {
        const startedAt = Date.now();
        try {
          const read = await client.read(path);
          load.returned.push({ id: read.read_event_id, startedAt, at: Date.now() });
        } catch (error) {
          const code = error instanceof HearthError ? error.code : (error as Error).name;
          load.refused.set(code, (load.refused.get(code) ?? 0) + 1);
        }
      }
    }),
  );
  return load;
}

/**
 * The console, the vault and hatch, one process each, on a three-node NATS cluster with Hearth's
 * identities (NATS_URL naming the three nodes, NATS_STREAM_REPLICAS=3). Under a steady load of signed
 * and session reads, the node the vault is connected to is killed with SIGKILL. Reads go on through
 * the other two, and every value returned has exactly one read event committed in the vault and
 * exactly one message on HATCH (R3: it outlives the node); hatch's chain holds no read twice and verifies.
 */
describe('crash: a NATS node killed under reads', () => {
  const hatchKey = generateKeyPairSync('ed25519');
  const keyDir = mkdtempSync(join(tmpdir(), 'hearth-nats-node-'));
  const clusterSettings = { NATS_STREAM_REPLICAS: '3' };
  let cluster: TestNatsCluster;
  let hearthConsole: RunningConsole;
  let vault: RunningVault;
  let hatch: RunningHatch;
  let nc: NatsConnection;
  /** Hands with every right, to look at the streams. */
  let admin: NatsConnection;

  beforeAll(async () => {
    writeFileSync(join(keyDir, 'hatch.pub'), hatchKey.publicKey.export({ type: 'spki', format: 'pem' }).toString());
    cluster = await startNatsCluster({ auth: true });
    // One after another, so a service that fails to start leaves the others to afterAll. Hatch first: HATCH is its own.
    hatch = await startHatchProcess(cluster, {
      ...clusterSettings,
      HATCH_SIGNING_KEY: hatchKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      HATCH_CHECKPOINT_SECONDS: '1',
    });
    hearthConsole = await startConsoleProcess(cluster, clusterSettings);
    vault = await startVaultProcess(cluster, clusterSettings);
    nc = await cluster.connect('operator', { maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    admin = await cluster.connect('admin', { maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  });
  afterAll(async () => {
    await nc?.close();
    await admin?.close();
    await Promise.all([hatch?.stop(), vault?.stop(), hearthConsole?.stop()]);
    await cluster?.stop();
    rmSync(keyDir, { recursive: true, force: true });
  });

  it('keeps HATCH and the driver streams on all three nodes', async () => {
    const jsm = await jetstreamManager(admin);
    const nodes = cluster.nodes.map((node) => node.name).sort();
    for (const stream of [HatchStream.name, Streams.driverCommands.name, Streams.driverEvents.name]) {
      await until(async () => ((await jsm.streams.info(stream)).cluster?.replicas ?? []).length === 2, {
        timeoutMs: 20_000,
        what: `${stream} on three nodes`,
      });
      const { cluster: placement } = await jsm.streams.info(stream);
      expect({ stream, nodes: [placement!.leader, ...placement!.replicas!.map((r) => r.name)].sort() }).toEqual({
        stream,
        nodes,
      });
    }
  });

  it('answers reads through the other nodes, each value returned read once in the vault and published once on HATCH', async () => {
    const root = { actor: 'root', keys: vault.rootKeys };
    const writer = new VaultClient(nc, root.actor, root.keys, { vaultSealKey: vault.sealPublicKey });
    await writer.write({ path: 'hearth/nats-node/db', values: { PASSWORD: 'p' } });
    const from = await eventMark(vault.db.name);
    const signed = new VaultClient(nc, root.actor, root.keys, { sessions: false, timeoutMs: 2_000 });
    const inSession = new VaultClient(nc, root.actor, root.keys, { timeoutMs: 2_000 });
    await inSession.openSession();
    const loads = [steadyReads(signed, 'hearth/nats-node/db', 2), steadyReads(inSession, 'hearth/nats-node/db', 2)];
    const returned = () => loads.flatMap((load) => load.returned);
    await until(() => returned().length >= 200, { timeoutMs: 30_000, what: '200 reads before the kill' });

    // The node the vault's connection is on, so its subscriptions go with it.
    let dead: TestNatsNode | undefined;
    for (const node of cluster.nodes) if ((await node.clients()).includes('hearth-vault')) dead = node;
    expect(dead).toBeDefined();
    const jsm = await jetstreamManager(admin);
    const killedAt = Date.now();
    await dead!.kill();
    const afterKill = () => returned().filter((read) => read.startedAt > killedAt);
    await until(() => afterKill().length >= 200, { timeoutMs: 30_000, what: '200 reads after the kill' });
    await Promise.all(loads.map((load) => load.stop()));
    const recoveredInMs = Math.min(...afterKill().map((read) => read.at)) - killedAt;

    const ids = returned().map((read) => read.id);
    /** How many HATCH messages each read event has: what the relay published, once by its msgID. */
    const onHatch = async () => {
      const counts = new Map<string, number>();
      for (const message of await streamMessages(jsm, HatchStream.name)) {
        if (message.subject !== SECRET_READ_SUBJECT) continue;
        const id = message.headers['Nats-Msg-Id']!;
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      return counts;
    };
    let published = new Map<string, number>();
    await until(
      // A request about a stream whose leader is still being elected may time out: asked again.
      () =>
        onHatch().then(
          (counts) => {
            published = counts;
            return ids.every((id) => published.has(id));
          },
          () => false,
        ),
      { timeoutMs: 30_000, what: 'every returned read on HATCH' },
    );
    const readEvents = await eventsSince(vault.db.name, from, { type: 'SecretReadV1' });
    const committed = new Map<string, number>();
    for (const event of readEvents) committed.set(event.id, (committed.get(event.id) ?? 0) + 1);
    // What hatch's chain holds of them by now. It is not waited for: while the dead node is down, hatch's
    // ingest can stall (its ordered consumer waits out nats.js's pull expiry, and longer), which is
    // hatch's consumer recovery to fix; the chain must hold each at most once and verify meanwhile.
    const records = await queryDatabase<{ event_id: string; n: number }>(
      hatch.db.name,
      "SELECT event_id, count(*)::int AS n FROM audit_log WHERE action = 'secret.read' GROUP BY event_id",
    );
    const refused = Object.fromEntries(loads.flatMap((load) => [...load.refused]));
    console.log(
      `NATS node ${dead!.name} killed under reads: ${ids.length} values returned, ${readEvents.length} read events ` +
        `committed, ${published.size} on HATCH, ${records.length} in hatch's chain so far; refused meanwhile ` +
        `${JSON.stringify(refused)}; reads back ${recoveredInMs} ms after the kill`,
    );
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => committed.get(id) !== 1)).toEqual([]);
    expect(ids.filter((id) => published.get(id) !== 1)).toEqual([]);
    expect([...published.values()].filter((n) => n !== 1)).toEqual([]); // no read published twice, returned or not
    expect(records.filter((record) => record.n !== 1)).toEqual([]); // nor recorded twice

    // The node comes back on its store, as a supervisor would bring it, and catches up.
    await dead!.start();
    const verified = await runCli(['audit', 'verify', '--key', join(keyDir, 'hatch.pub')], {
      env: { ...process.env, HEARTH_HATCH_URL: hatch.url, HEARTH_TOKEN: hearthConsole.adminToken },
    });
    expect({ code: verified.code, stderr: verified.stderr }).toEqual({ code: 0, stderr: '' });
  });
});
