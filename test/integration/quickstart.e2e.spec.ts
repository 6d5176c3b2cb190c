import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cryptoReady, DeploymentRef, HearthError, isSecretSetting } from '@hearth/contracts';
import {
  databaseText,
  HEARTH_UP,
  type HearthUp,
  jetStreamText,
  queryDatabase,
  registerWorkspace,
  startHearthUp,
  type ServiceProcess,
  type TestDatabase,
  until,
} from '@hearth/testkit';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The README's first command after its set-up, as an operator runs it: `hearth up` starts Hearth's
 * own NATS (infra/nats.conf: every process its own identity), the four services and then the demo;
 * here with fresh databases, free ports and a HEARTH_HOME of its own.
 */
describe('npm start: its NATS, four services and the demo, end to end, run like a service', () => {
  let up: HearthUp;
  let hearth: ServiceProcess;
  let home: string;
  let env: Record<string, string>;
  let consoleUrl: string;
  let nc: NatsConnection;
  let databases: TestDatabase[];
  let running: HearthUp['running'];
  /** The demo's subsystem, made by the demo with read on its path: what reads the generated password (root never does). */
  const demoReader = () => up.vaultAs('demo');
  const slug = `qs-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    up = await startHearthUp({ HEARTH_DEMO_SLUG: slug });
    ({ process: hearth, home, env, consoleUrl, running } = up);
    databases = [up.databases.console, up.databases.vault, up.databases.hatch];
    nc = await up.nats();
  });

  afterAll(() => up?.stop());

  it('starts every service, then deploys, reads, logs in and shows the HATCH line, and the password stays in the vault', async () => {
    const output = hearth.output.join('\n');
    expect(output).toContain('hearth: all 4 services ready');
    for (const name of ['nats', 'console', 'vault', 'hatch', 'driver-localdocker'])
      expect(output).toContain(`hearth: ${name} ready`);
    expect(output).toContain('hearth: running');

    // The DeploymentRef the demo printed: ready, with an endpoint and the pointer.
    const json = /\n(\{\n[\s\S]*?\n\})\n/.exec(output)?.[1];
    const ref = DeploymentRef.parse(JSON.parse(json!));
    expect(ref).toMatchObject({
      workspace_slug: slug,
      last_status: 'ready',
      endpoint: `postgres://hearth-${slug}-postgres:5432/postgres`,
      secrets_vault_path: `vault://hearth/${slug}`,
    });
    // The login inside the sidecar answered with the server's version.
    expect(output).toMatch(/\n {3}PostgreSQL 15\.\d+ /);

    // The read the demo made is the line it printed, and hatch holds it.
    const eventId = /read event ([0-9a-f-]{36})/.exec(output)?.[1];
    expect(eventId).toBeDefined();
    const line = output.split('\n').find((l) => l.includes('secret.read') && l.includes(`hearth/${slug}`));
    expect(line).toMatch(new RegExp(`vault +secret\\.read +demo +OK +${slug} +hearth/${slug}$`));
    const [record] = await queryDatabase<{ actor: string; outcome: string; subject_path: string }>(
      databases[2]!.name,
      'SELECT actor, outcome, subject_path FROM audit_log WHERE event_id = $1',
      [eventId],
    );
    expect(record).toEqual({ actor: 'demo', outcome: 'OK', subject_path: `hearth/${slug}` });

    // The password, read as the demo's subsystem (root never reads a generated value), is nowhere but
    // in the vault: not in what Hearth printed or logged, not in the console's or hatch's database, not
    // in any JetStream stream.
    await cryptoReady();
    const password = (await (await demoReader()).read(`hearth/${slug}`)).values.password!;
    expect(password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const logs = await Promise.all(
      (await readdir(join(home, 'logs'))).map(async (file): Promise<[string, string]> => [
        file,
        await readFile(join(home, 'logs', file), 'utf8'),
      ]),
    );
    expect(logs).toHaveLength(5);
    const places: Record<string, string> = {
      'what npm start printed': output,
      ...Object.fromEntries(logs),
      "the console's database": await databaseText(databases[0]!.name),
      "hatch's database": await databaseText(databases[2]!.name),
      'every JetStream stream': await jetStreamText(await jetstreamManager(nc)),
    };
    expect(places["hatch's database"]).toContain(eventId); // the scan sees what was recorded
    for (const form of [password, Buffer.from(password).toString('base64'), Buffer.from(password).toString('hex')]) {
      expect(
        Object.entries(places)
          .filter(([, text]) => text.includes(form))
          .map(([place]) => place),
      ).toEqual([]);
    }
  });

  it("gives each service process its own secrets and none of another's", () => {
    const secretsOf = (pid: number) =>
      readFileSync(`/proc/${pid}/environ`, 'utf8')
        .split('\0')
        .filter((entry) => isSecretSetting(entry.slice(0, entry.indexOf('='))));
    const held = Object.entries(running().services).map(([name, pid]) => ({ name, secrets: secretsOf(pid) }));
    expect(held.map((h) => h.name).sort()).toEqual(['console', 'driver-localdocker', 'hatch', 'vault']);
    for (const { name, secrets } of held) {
      expect(secrets.length).toBeGreaterThan(0);
      for (const other of held.filter((h) => h.name !== name))
        expect({ [name]: secrets.filter((s) => other.secrets.includes(s)) }).toEqual({ [name]: [] });
    }
    const adminToken = `HEARTH_BOOTSTRAP_ADMIN_TOKEN_FILE=${join(home, 'admin-token')}`;
    expect(held.filter((h) => h.secrets.includes(adminToken)).map((h) => h.name)).toEqual(['console']);
  });

  it('a second start says Hearth is already running, and where, instead of failing on a port', () => {
    const second = spawnSync(process.execPath, [...HEARTH_UP], { env: { ...process.env, ...env }, encoding: 'utf8' });
    expect(second.status).toBe(0);
    expect(second.stdout).toContain(`hearth: already running (pid ${running().pid}, console ${consoleUrl}`);
  });

  it('a service that dies is restarted, and its exit is shown with the reason', async () => {
    const readyLines = () => hearth.output.filter((line) => line.startsWith('hearth: vault ready')).length;
    const before = readyLines();
    process.kill(running().services.vault!, 'SIGKILL');
    await until(() => readyLines() > before);
    expect(hearth.output.join('\n')).toMatch(/hearth: vault killed by SIGKILL; restarting in 1 s \(log: /);
    // The new vault answers: a signed read of the demo's secret works again.
    const reader = await demoReader();
    await until(() =>
      reader.read(`hearth/${slug}`).then(
        () => true,
        () => false,
      ),
    );
  });

  it("a failed provision is shown in the terminal with the driver's reason", async () => {
    const failing = `${slug}-x`;
    const token = (await readFile(join(home, 'admin-token'), 'utf8')).trim();
    await registerWorkspace(consoleUrl, token, failing);
    const created = await fetch(`${consoleUrl}/v1/deployments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        slug: failing,
        tier: 'dev',
        driver: 'localdocker',
        sidecars: [{ name: 'db', image: 'hearth-test/no-such-image:1' }],
      }),
    });
    expect(created.status).toBe(201);
    await until(() =>
      hearth.output.some((line) => line.includes(`provisioning failed ${failing}: DRIVER.IMAGE_NOT_FOUND`)),
    );
  });

  it('deprovisions the demo to nothing: the credential destroyed, a read of it NOT_FOUND, both in hatch’s audit_log', async () => {
    const token = (await readFile(join(home, 'admin-token'), 'utf8')).trim();
    const deleted = await fetch(`${consoleUrl}/v1/deployments/${slug}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(deleted.status).toBe(202);
    for (let i = 0; ; i++) {
      const ref = DeploymentRef.parse(
        await (
          await fetch(`${consoleUrl}/v1/deployments/${slug}`, { headers: { authorization: `Bearer ${token}` } })
        ).json(),
      );
      if (ref.last_status === 'deprovisioned') break;
      if (i > 300) throw new Error(`${slug} is ${ref.last_status}, not deprovisioned`);
      await sleep(100);
    }
    const left = (args: string[]) => String(spawnSync('docker', args).stdout).trim();
    expect(left(['ps', '-aq', '--filter', `label=hearth.instance=${up.instance}`])).toBe('');
    expect(left(['network', 'ls', '-q', '--filter', `label=hearth.instance=${up.instance}`])).toBe('');

    await cryptoReady();
    const refused = await (await demoReader()).read(`hearth/${slug}`).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(HearthError);
    expect((refused as HearthError).code).toBe('VAULT.SECRET_NOT_FOUND');

    // hatch records from the HATCH stream as it comes: wait for the refused read to be ingested.
    const records = () =>
      queryDatabase<{ seq: string; action: string; actor: string; outcome: string | null }>(
        databases[2]!.name,
        'SELECT seq::text, action, actor, outcome FROM audit_log WHERE subject_path = $1 ORDER BY seq',
        [`hearth/${slug}`],
      );
    for (let i = 0; i < 100 && !(await records()).some((r) => r.outcome === 'NOT_FOUND'); i++) await sleep(100);
    const rows = await records();
    const destroyed = rows.findIndex((r) => r.action === 'secret.destroy' && r.actor === 'driver-localdocker');
    const notFound = rows.findIndex(
      (r) => r.action === 'secret.read' && r.actor === 'demo' && r.outcome === 'NOT_FOUND',
    );
    expect({ destroyed: destroyed >= 0, notFound: notFound >= 0 }).toEqual({ destroyed: true, notFound: true });
    expect(notFound).toBeGreaterThan(destroyed);
  });

  it('SIGTERM (or Ctrl-C) stops the four services in order, then NATS, and exits 0', async () => {
    const { services, nats } = running();
    expect(await hearth.kill('SIGTERM')).toEqual({ code: 0, signal: null });
    const stops = hearth.output.filter((line) => /^hearth: \S+ stopped$/.test(line));
    expect(stops).toEqual([
      'hearth: driver-localdocker stopped',
      'hearth: console stopped',
      'hearth: vault stopped',
      'hearth: hatch stopped',
      'hearth: nats stopped',
    ]);
    expect(existsSync(join(home, 'hearth.pid'))).toBe(false);
    for (const pid of [...Object.values(services), nats]) expect(() => process.kill(pid, 0)).toThrow();
  });
});
