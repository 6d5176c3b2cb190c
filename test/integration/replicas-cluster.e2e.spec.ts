import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { HatchStream, Streams } from '@hearth/contracts';
import {
  CRASH_SIDECAR,
  createDeployments,
  endCrashCase,
  queryDatabase,
  registerWorkspace,
  requestDeployment,
  startCrashStack,
  startReadLoad,
  until,
  vaultPath,
  type CrashStack,
  type RunningService,
} from '@hearth/testkit';

/**
 * Two of each service (console, vault, hatch) and the driver, on a three-node NATS cluster whose
 * streams are R3. Under reads and creates, the NATS node a vault is connected to and one process of
 * each service are killed with SIGKILL at once. The others answer on; then the dead come back, as a
 * supervisor would bring them, and the case ends with the crash suite's counts.
 */
describe('replicas: two of each service on a NATS cluster, a node and one of each killed under load', () => {
  let stack: CrashStack;
  const replicas: RunningService[] = [];

  beforeAll(async () => {
    stack = await startCrashStack({ cluster: true });
    // One after the other: processes starting all at once on a small, busy machine outlast their ready wait.
    for (const service of [stack.hatch, stack.vault, stack.console]) replicas.push(await service.replica());
  }, 240_000);
  afterAll(async () => {
    for (const replica of replicas) await replica.stop();
    await stack?.stop();
  }, 240_000);

  it('keeps HATCH and the driver streams on all three nodes', async () => {
    const nodes = stack.natsNodes.map((node) => node.name).sort();
    for (const stream of [HatchStream.name, Streams.driverCommands.name, Streams.driverEvents.name]) {
      await until(async () => ((await stack.jsm.streams.info(stream)).cluster?.replicas ?? []).length === 2, {
        timeoutMs: 20_000,
        what: `${stream} on three nodes`,
      });
      const { cluster: placement } = await stack.jsm.streams.info(stream);
      expect({ stream, nodes: [placement!.leader, ...placement!.replicas!.map((r) => r.name)].sort() }).toEqual({
        stream,
        nodes,
      });
    }
  });

  it('answers on through the kills: each value returned one read event and one record, the chain verifies, every deployment settles', async () => {
    const otherConsole = replicas[2];
    const slugs = await createDeployments(stack, 3);
    for (const slug of slugs) await stack.until(slug, ['ready'], 90_000);
    const load = startReadLoad(stack, slugs.map(vaultPath));
    await until(() => load.returned() >= 60, { what: 'reads under way' });

    // Creates on their way when the kills come: the driver works them while the console that took them is dead.
    const inFlight = [stack.newSlug(), stack.newSlug()];
    for (const slug of inFlight) expect(await requestDeployment(stack, slug)).toBe('accepted');
    let dead: (typeof stack.natsNodes)[number] | undefined;
    for (const node of stack.natsNodes) if ((await node.clients()).includes('hearth-vault')) dead = node;
    expect(dead).toBeDefined();
    const killedAt = Date.now();
    await Promise.all([
      dead!.kill(),
      ...[stack.vault, stack.hatch, stack.console].map((service) => service.process.kill('SIGKILL')),
    ]);

    // The survivors alone: reads go on, the other hatch appends, the other console takes a create.
    const readsBack = await load.firstValueAfter(killedAt);
    const answeredAtKill = load.returned();
    await until(() => load.returned() >= answeredAtKill + 60, {
      timeoutMs: 60_000,
      what: 'reads from the other vault',
    });
    const readRecords = async () =>
      (
        await queryDatabase<{ n: number }>(
          stack.hatch.db.name,
          `SELECT count(*)::int AS n FROM audit_log WHERE action = 'secret.read'`,
        )
      )[0]!.n;
    // More records than values returned before the kill: reads made after it are in the chain.
    await until(async () => (await readRecords()) > answeredAtKill, {
      timeoutMs: 60_000,
      what: 'the other hatch appending reads made after the kill',
    });
    const chainBackMs = Date.now() - killedAt;
    const late = stack.newSlug();
    await registerWorkspace(otherConsole!.url!, stack.console.adminToken, late);
    const created = await fetch(`${otherConsole!.url}/v1/deployments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.console.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ slug: late, tier: 'dev', driver: 'localdocker', sidecars: [CRASH_SIDECAR] }),
    });
    expect(created.status).toBe(201);

    // The dead come back on their stores, ports and databases; the case's counts cover every process.
    await dead!.start();
    for (const service of [stack.vault, stack.hatch, stack.console]) await service.restart();
    const { deployments } = await endCrashCase(stack, 'a NATS node and one of each of two replicas killed', {
      load,
      slugs: [...slugs, ...inFlight, late],
      extra: { readsBackAfterKillMs: readsBack - killedAt, survivorChainBackMs: chainBackMs, node: dead!.name },
    });
    expect(deployments.ready).toEqual(expect.arrayContaining(slugs));
    // Each emitter's numbers taken once: two relays never gave one number to two events.
    const renumbered = await queryDatabase(
      stack.hatch.db.name,
      `SELECT origin->>'service' AS service, origin->>'source_seq' AS seq, count(*)::int AS n FROM audit_log
       WHERE origin IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1`,
    );
    expect(renumbered).toEqual([]);
  }, 300_000);
});
