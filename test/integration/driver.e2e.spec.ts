import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { HatchStream, HearthError } from '@hearth/contracts';
import {
  docker,
  type DriverStack,
  eventsSince,
  placesHolding,
  registerWorkspace,
  startDriverStack,
  type StoredMessage,
  streamMessages,
  until,
} from '@hearth/testkit';

const POSTGRES_IMAGE = 'hearth-test/postgres:15';
const BUSYBOX_IMAGE = 'hearth-test/busybox:1';

/** A password login inside the sidecar over TCP to its own address; the password comes on stdin. */
const login = (container: string, password: string) =>
  docker(
    [
      'exec',
      '-i',
      container,
      'sh',
      '-c',
      `read -r PGPASSWORD; export PGPASSWORD; psql -h "$(hostname -i | cut -d' ' -f1)" -U postgres -d postgres -Atqc 'SELECT 1'`,
    ],
    `${password}\n`,
  );

/** A stored message's body as text. */
const bodyOf = (m: StoredMessage) => Buffer.from(m.data).toString('latin1');

describe('a Postgres sidecar, end to end: console, vault and driver as processes on a real Docker engine', () => {
  let stack: DriverStack;

  beforeAll(async () => {
    stack = await startDriverStack([POSTGRES_IMAGE, BUSYBOX_IMAGE]);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('provisions, keeps the password in the vault only, lets a subsystem log in with it, and deprovisions to nothing', async () => {
    const slug = stack.newSlug();
    const container = `hearth-${slug}-postgres`;
    await registerWorkspace(stack.console.url, stack.console.adminToken, slug);
    const created = await stack.http('/v1/deployments', {
      method: 'POST',
      body: { slug, tier: 'dev', driver: 'localdocker', sidecars: [{ name: 'postgres', image: POSTGRES_IMAGE }] },
    });
    expect(created.status).toBe(201);

    const ready = await stack.until(slug, ['ready', 'failed']);
    expect(ready).toMatchObject({
      last_status: 'ready',
      endpoint: `postgres://${container}:5432/postgres`,
      secrets_vault_path: `vault://hearth/${slug}`,
    });

    // A subsystem follows the pointer with its own key and logs in inside the sidecar.
    const read = await stack.reader.read(`hearth/${slug}`);
    // A typed credential: where clients on the workspace network log in, as whom, and the password.
    expect(read.values).toMatchObject({ host: container, port: '5432', username: 'postgres', database: 'postgres' });
    const password = read.values.password!;
    expect((await stack.root.list(`hearth/${slug}`)).find((m) => m.path === `hearth/${slug}`)).toMatchObject({
      type: 'postgres',
      provider: 'AUTO_MANAGED',
    });
    expect(password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await login(container, password)).toEqual({ status: 0, stdout: '1' });
    expect((await login(container, `${password.slice(0, -1)}${password.endsWith('A') ? 'B' : 'A'}`)).status).not.toBe(
      0,
    );
    expect((await login(container, 'postgres')).status).not.toBe(0);

    // No published port, one internal network of its own.
    const [inspect] = JSON.parse((await docker(['inspect', container])).stdout) as Array<{
      HostConfig: { PortBindings: Record<string, unknown> | null; PublishAllPorts: boolean };
      NetworkSettings: { Ports: Record<string, unknown> | null; Networks: Record<string, unknown> };
    }>;
    expect(Object.values(inspect!.HostConfig.PortBindings ?? {})).toEqual([]);
    expect(Object.values(inspect!.NetworkSettings.Ports ?? {}).every((b) => b === null)).toBe(true);
    expect(Object.keys(inspect!.NetworkSettings.Networks)).toEqual([`hearth-${slug}`]);
    expect((await docker(['network', 'inspect', '-f', '{{.Internal}}', `hearth-${slug}`])).stdout).toBe('true');

    // The password is nowhere else, in any form.
    await until(
      () => stack.driver.output.some((line) => line.includes('sidecars provisioned') && line.includes(slug)),
      {
        what: 'the driver’s log of the provisioning',
      },
    );
    const places: Record<string, string> = {
      'docker inspect of the sidecar': (await docker(['inspect', container])).stdout,
      'the DeploymentRef': JSON.stringify(ready),
      ...(await stack.placesASecretMustNotReach()),
    };
    expect(places['driver logs']).toContain('sidecars provisioned'); // the scan sees the driver's work
    expect(placesHolding(places, password)).toEqual([]);

    expect((await stack.http(`/v1/deployments/${slug}`, { method: 'DELETE' })).status).toBe(202);
    await stack.until(slug, ['deprovisioned']);
    expect(await stack.leftovers(slug)).toEqual({ containers: '', networks: '' });
    expect(await stack.readableVersions(slug)).toBe(0);
    const after = await stack.reader.read(`hearth/${slug}`).then(
      () => null,
      (error: unknown) => error,
    );
    expect(after).toBeInstanceOf(HearthError);
    expect((after as HearthError).code).toBe('VAULT.SECRET_NOT_FOUND');
    // Destroyed and refused reads are audited like any other.
    const audit = async () =>
      (await streamMessages(stack.jsm, HatchStream.name)).filter((m) => bodyOf(m).includes(`hearth/${slug}`));
    await until(async () => (await audit()).some((m) => bodyOf(m).includes('"NOT_FOUND"')), {
      timeoutMs: 5_000,
      what: 'the refused read in the audit stream',
    });
    const subjects = (await audit()).map((m) => m.subject);
    expect(subjects).toEqual(
      expect.arrayContaining(['hatch.vault.secret.write', 'hatch.vault.secret.destroy', 'hatch.vault.secret.read']),
    );
    expect(
      (await audit()).some((m) => m.subject === 'hatch.vault.secret.read' && bodyOf(m).includes('"NOT_FOUND"')),
    ).toBe(true);
  });

  it('fails a privileged sidecar with its code, creating nothing and writing nothing to the vault', async () => {
    const slug = stack.newSlug();
    await registerWorkspace(stack.console.url, stack.console.adminToken, slug);
    const created = await stack.http('/v1/deployments', {
      method: 'POST',
      body: {
        slug,
        tier: 'dev',
        driver: 'localdocker',
        sidecars: [{ name: 'postgres', image: POSTGRES_IMAGE, privileged: true }],
      },
    });
    expect(created.status).toBe(201);
    await stack.until(slug, ['failed']);
    const failed = (await stack.driverAnswers(slug)).find((e) => e.type === 'ProvisioningFailedV1');
    expect(failed?.data).toMatchObject({ reason: expect.stringMatching(/^DRIVER\.PRIVILEGED_REFUSED: /) as unknown });
    expect(await stack.leftovers(slug)).toEqual({ containers: '', networks: '' });
    const written = await eventsSince(stack.vault.db.name, 0n, { type: 'SecretVersionWrittenV1' });
    expect(written.filter((e) => e.data.path === `hearth/${slug}`)).toEqual([]);
  });

  it('killed between creating the container and its readiness, then restarted: ready, with nothing orphaned', async () => {
    const slug = stack.newSlug();
    // What a driver that died before this one may have left: a credential without a container.
    await stack.root.write({
      path: `hearth/${slug}`,
      type: 'postgres',
      values: {
        host: `hearth-${slug}-postgres`,
        port: '5432',
        username: 'postgres',
        password: 'left-by-an-earlier-attempt',
      },
      provider: 'AUTO_MANAGED',
      tags: { provisioned_for_service: `${slug}/postgres` },
    });
    await registerWorkspace(stack.console.url, stack.console.adminToken, slug);
    expect(
      (
        await stack.http('/v1/deployments', {
          method: 'POST',
          body: { slug, tier: 'dev', driver: 'localdocker', sidecars: [{ name: 'postgres', image: POSTGRES_IMAGE }] },
        })
      ).status,
    ).toBe(201);
    await until(async () => (await stack.leftovers(slug)).containers !== '', {
      intervalMs: 20,
      what: 'the driver creating the container',
    });
    await stack.driver.kill('SIGKILL');
    expect((await stack.deployment(slug)).last_status).toBe('provisioning');

    await stack.startDriver();
    const ref = await stack.until(slug, ['ready', 'failed']);
    expect(ref.last_status).toBe('ready');
    const containers = (await stack.leftovers(slug)).containers.split('\n');
    expect(containers).toHaveLength(1);
    const password = (await stack.reader.read(`hearth/${slug}`)).values.password!;
    expect((await login(`hearth-${slug}-postgres`, password)).status).toBe(0);
    const answers = await stack.driverAnswers(slug);
    expect(answers.filter((a) => a.type === 'SidecarsProvisionedV1')).toHaveLength(1);
    // Whether the restarted driver finished the first attempt or made it anew, one credential is readable.
    expect(await stack.readableVersions(slug)).toBe(1);
    expect((await stack.reader.read(`hearth/${slug}`)).version).toBeGreaterThan(1);
    await expect(stack.reader.read(`hearth/${slug}`, 1)).rejects.toThrow(HearthError);

    expect((await stack.http(`/v1/deployments/${slug}`, { method: 'DELETE' })).status).toBe(202);
    await stack.until(slug, ['deprovisioned']);
    expect(await stack.leftovers(slug)).toEqual({ containers: '', networks: '' });
  });

  it('on start, holds what a deployment the console does not know left: container stopped, nothing removed, credential kept', async () => {
    const slug = stack.newSlug();
    // What a driver that died mid-way, for a deployment since gone from the console, may have left:
    // a labelled network and a running container on it, and a generated credential.
    const labels = ['--label', `hearth.instance=${stack.instance}`, '--label', `hearth.slug=${slug}`];
    const network = await docker(['network', 'create', '--internal', ...labels, `hearth-${slug}`]);
    expect(network.status).toBe(0);
    const container = await docker([
      'run',
      '-d',
      '--name',
      `hearth-${slug}-tool`,
      '--network',
      `hearth-${slug}`,
      ...labels,
      '--label',
      'hearth.sidecar=tool',
      BUSYBOX_IMAGE,
    ]);
    expect(container.status).toBe(0);
    await stack.root.write({
      path: `hearth/${slug}`,
      values: { TOOL_TOKEN: 'left-by-a-crash' },
      provider: 'AUTO_MANAGED',
      tags: { provisioned_for_service: `${slug}/tool` },
    });
    expect((await stack.reader.read(`hearth/${slug}`)).values.TOOL_TOKEN).toBe('left-by-a-crash');
    expect((await stack.http(`/v1/deployments/${slug}`)).status).toBe(404);
    const before = await stack.leftovers(slug);
    expect(before.containers).not.toBe('');
    expect(before.networks).not.toBe('');

    // DRIVER_RECONCILE_SECONDS is 0: only the pass on start can act. Unknown is not gone: only a
    // console that says deprovisioned or failed has the driver destroy anything.
    await stack.driver.kill();
    await stack.startDriver();
    expect(await stack.leftovers(slug)).toEqual(before);
    expect((await docker(['inspect', '-f', '{{.State.Running}}', `hearth-${slug}-tool`])).stdout).toBe('false');
    expect(await stack.readableVersions(slug)).toBe(1);
    expect((await stack.reader.read(`hearth/${slug}`)).values.TOOL_TOKEN).toBe('left-by-a-crash');
    expect(stack.driver.output.some((line) => line.includes(slug) && line.includes('"held":true'))).toBe(true);
  });
});
