import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DEFAULT_ENGINE,
  AuditRecordPage,
  DriverCommand,
  Streams,
  Subjects,
  TokenCreated,
  type AuditRecord,
} from '@hearth/contracts';
import {
  publishDriverEvent,
  runCli,
  registerWorkspace,
  startConsoleProcess,
  startHatchProcess,
  startNats,
  streamMessages,
  until,
  type RunningConsole,
  type RunningHatch,
  type TestNats,
} from '@hearth/testkit';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';

/**
 * An operator's token and deployment actions leave no trace in HATCH on main: an admin could mint
 * a token, use it and revoke it unseen by the auditor. Each is an audit event of the console now,
 * committed with the action, naming the token but never carrying it.
 */
describe("attack: an operator's actions kept out of the audit log", () => {
  let nats: TestNats;
  let hearthConsole: RunningConsole;
  let hatch: RunningHatch;
  let nc: NatsConnection;
  let jsm: JetStreamManager;

  const hearth = (...args: string[]) =>
    runCli(args, {
      env: { ...process.env, HEARTH_CONSOLE_URL: hearthConsole.url, HEARTH_TOKEN: hearthConsole.adminToken },
    });
  const consoleRecords = async (): Promise<AuditRecord[]> => {
    const response = await fetch(`${hatch.url}/v1/audit/records?source=console&limit=1000`, {
      headers: { authorization: `Bearer ${hearthConsole.adminToken}` },
    });
    return AuditRecordPage.parse(await response.json()).items;
  };
  /** No driver runs: it fails the provisioning as a driver refusing the spec would, so the deployment can be removed. */
  const failProvisioning = async (slug: string) => {
    let command: DriverCommand | undefined;
    await until(async () => {
      const message = (await streamMessages(jsm, Streams.driverCommands.name)).find(
        (m) => m.subject === Subjects.driverCommand('localdocker', DEFAULT_ENGINE, slug),
      );
      if (message) command = DriverCommand.parse(JSON.parse(Buffer.from(message.data).toString('utf8')));
      return command !== undefined;
    });
    await publishDriverEvent(jsm, 'ProvisioningStartedV1', { slug, command_id: command!.id });
    await publishDriverEvent(jsm, 'ProvisioningFailedV1', { slug, command_id: command!.id, reason: 'refused' });
  };

  beforeAll(async () => {
    nats = await startNats();
    hearthConsole = await startConsoleProcess(nats.url);
    hatch = await startHatchProcess(nats.url, { HATCH_CHECKPOINT_SECONDS: '1', HATCH_AUDIT_SOURCES: 'console' });
    nc = await connect({ servers: nats.url });
    jsm = await jetstreamManager(nc);
  });
  afterAll(async () => {
    await nc?.close();
    await hatch?.stop();
    await hearthConsole?.stop();
    await nats?.stop();
  });

  it('records a token created and revoked, by whom, without the token', async () => {
    const created = await hearth('token', 'create', 'night-shift', '--role', 'operator', '--json');
    expect(created.code).toBe(0);
    const { token } = TokenCreated.parse(JSON.parse(created.stdout));
    expect((await hearth('token', 'revoke', 'night-shift')).code).toBe(0);

    await until(async () => (await consoleRecords()).some((r) => r.action === 'token.revoke'));
    const records = (await consoleRecords()).filter((r) => r.action.startsWith('token.'));
    expect(records.map((r) => [r.action, r.actor, r.data])).toEqual([
      ['token.create', 'operator:bootstrap-admin', { name: 'night-shift', role: 'operator', outcome: 'OK' }],
      ['token.revoke', 'operator:bootstrap-admin', { name: 'night-shift', role: 'operator', outcome: 'OK' }],
    ]);
    expect(JSON.stringify(await consoleRecords())).not.toContain(token);
  });

  it('records a deployment requested and removed, under its workspace', async () => {
    await registerWorkspace(hearthConsole.url, hearthConsole.adminToken, 'audited');
    expect((await hearth('deploy', 'create', 'audited', '--tier', 'dev')).code).toBe(0);
    await failProvisioning('audited');
    await until(async () => (await hearth('deploy', 'rm', 'audited')).code === 0, {
      what: 'the failed deployment removed',
    });

    await until(async () => (await consoleRecords()).some((r) => r.action === 'deployment.deprovision'));
    const records = (await consoleRecords()).filter((r) => r.workspace_slug === 'audited');
    expect(records.map((r) => [r.action, r.actor, r.outcome])).toEqual([
      ['deployment.request', 'operator:bootstrap-admin', 'OK'],
      ['deployment.deprovision', 'operator:bootstrap-admin', 'OK'],
    ]);
    expect(records[0]!.data).toMatchObject({ tier: 'dev', driver: 'localdocker' });
  });
});
