import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConsoleClient } from '@hearth/contracts';
import {
  queryDatabase,
  registerWorkspace,
  sharedServiceKeys,
  startConsoleProcess,
  startNats,
  type RunningConsole,
  type TestNats,
} from '@hearth/testkit';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { randomBytes } from 'node:crypto';

/**
 * Attack: the console's projection rows are lost (deleted) and the stack restarted. Unknown must not
 * be taken for gone: discovery answering null is what makes a driver's reconcile remove a live
 * workspace, and a workspace taken for gone refuses its deployments and its credentials. The console
 * rebuilds its projections from their events when it starts (DESIGN invariant 5).
 */
describe('attack: the deployment_refs and tenancy projections lost', () => {
  let nats: TestNats;
  let first: RunningConsole;
  let restarted: RunningConsole | undefined;
  let nc: NatsConnection;

  beforeAll(async () => {
    nats = await startNats();
    first = await startConsoleProcess(nats.url);
    nc = await connect({ servers: nats.url });
  });

  afterAll(async () => {
    await nc?.close();
    await restarted?.stop();
    await first?.stop();
    await nats?.stop();
  });

  it('is rebuilt from the events when the console starts, so discovery answers the deployment again', async () => {
    const slugs = [0, 1, 2].map(() => `lost-${randomBytes(4).toString('hex')}`);
    for (const slug of slugs) {
      await registerWorkspace(first.url, first.adminToken, slug);
      const created = await fetch(`${first.url}/v1/deployments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${first.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          slug,
          tier: 'dev',
          driver: 'localdocker',
          sidecars: [{ name: 'postgres', image: 'postgres:16' }],
        }),
      });
      expect(created.status).toBe(201);
    }
    const discovery = new ConsoleClient(nc, sharedServiceKeys().verifier());
    const before = await Promise.all(slugs.map((slug) => discovery.getWorkspaceDeployment(slug)));
    expect(before.map((ref) => ref?.workspace_slug)).toEqual(slugs);
    const scopes = await Promise.all(slugs.map((slug) => discovery.getWorkspaceScope(slug)));
    expect(scopes.map((scope) => scope?.workspace)).toEqual(slugs);
    await queryDatabase(first.db.name, 'DELETE FROM workspaces');

    // All rows lost but one's, which is left behind its events: missing and lagging alike are rebuilt.
    await queryDatabase(first.db.name, 'DELETE FROM deployment_refs WHERE workspace_slug <> $1', [slugs[0]]);
    await queryDatabase(
      first.db.name,
      'UPDATE deployment_refs SET stream_version = 0, last_status = $2 WHERE workspace_slug = $1',
      [slugs[0], 'failed'],
    );
    await first.process.kill();

    restarted = await startConsoleProcess(nats.url, { CONSOLE_DATABASE: first.db.name });
    const after = await Promise.all(slugs.map((slug) => discovery.getWorkspaceDeployment(slug)));
    expect(after).toEqual(before);
    expect(await Promise.all(slugs.map((slug) => discovery.getWorkspaceScope(slug)))).toEqual(scopes);
  });
});
