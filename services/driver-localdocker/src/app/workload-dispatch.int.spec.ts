import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ErrorCode, HearthError, offeredNames, type SidecarSpec, type WorkloadSpec } from '@hearth/contracts';
import type Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import { startDriverHarness, POSTGRES_IMAGE, type DriverHarness } from '../test/driver-harness.js';
import type { CredentialResolver } from './ports.js';
import type { ProvisionCommand } from './provision-sidecars/provision-sidecars.js';

/**
 * The vault's resolution stood in for, in this spec only: the workspace's own sidecar credential as
 * the driver wrote it (names offered as the vault offers them), and fixed values for other names.
 * A name it has no value for is refused, as the vault refuses one.
 */
class StandInResolver implements CredentialResolver {
  readonly fixed = new Map<string, string>();
  /** Every resolution asked for: the workspace and the names. */
  readonly asked: Array<{ workspace: string; names: string[] }> = [];

  constructor(private readonly harness: () => DriverHarness) {}

  resolve(workspace: string, names: readonly string[]): Promise<Map<string, string>> {
    this.asked.push({ workspace, names: [...names] });
    const own = this.harness().vault.secrets.get(`hearth/${workspace}`);
    const offered = new Map<string, string>();
    if (own !== undefined && !own.destroyed) {
      const credential = {
        path: `hearth/${workspace}`,
        type: own.type,
        valueNames: Object.keys(own.values),
        tags: own.tags,
      };
      for (const [name, valueName] of offeredNames(credential)) offered.set(name, own.values[valueName]!);
    }
    const values = new Map<string, string>();
    for (const name of names) {
      const value = this.fixed.get(name) ?? offered.get(name);
      if (value === undefined) {
        return Promise.reject(new HearthError(ErrorCode.ResolveRefused, `${name}: no credential offers it`));
      }
      values.set(name, value);
    }
    return Promise.resolve(values);
  }
}

/** What a command run inside the container printed on stdout (demultiplexed), and its exit code. */
async function run(docker: Docker, containerId: string, cmd: string[]): Promise<{ out: string; code: number | null }> {
  const exec = await docker.getContainer(containerId).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  const chunks: Buffer[] = [];
  const sink = new PassThrough();
  sink.on('data', (c: Buffer) => chunks.push(c));
  docker.modem.demuxStream(stream, sink, new PassThrough());
  await new Promise((resolve) => stream.on('end', resolve));
  const { ExitCode } = await exec.inspect();
  return { out: Buffer.concat(chunks).toString('utf8'), code: ExitCode ?? null };
}

const sidecars: SidecarSpec[] = [{ name: 'db', image: POSTGRES_IMAGE }];
/** A value no shell would pass through untouched: spaces, %, a backslash, a newline, UTF-8. */
const API_KEY = 'sk-test %s \\n "quoted"\nsecond line €';

describe('workloads dispatched with their credentials', () => {
  let harness: DriverHarness;
  const resolver = new StandInResolver(() => harness);

  beforeAll(async () => {
    harness = await startDriverHarness({ resolver });
  });

  afterAll(async () => {
    await harness.close();
  });

  const workloads: WorkloadSpec[] = [
    { name: 'agent', image: POSTGRES_IMAGE, command: ['sleep', 'infinity'], env_refs: ['OPENAI_API_KEY'] },
    { name: 'envonly', image: POSTGRES_IMAGE, command: ['sleep', 'infinity'], secrets_as_env: true },
  ];

  /** Provisions `slug` with both workloads and expects it ready: a failure shows the driver's reason. */
  async function provisioned(slug: string): Promise<ProvisionCommand> {
    const command = harness.provisionCommand(slug, sidecars, workloads);
    await harness.useCases.provision.run(command);
    const answers = (await harness.answersTo(command.id)).map((a) => ({
      type: a.type,
      reason: (a.data as { reason?: string }).reason,
    }));
    expect(answers).toEqual([
      { type: 'ProvisioningStartedV1', reason: undefined },
      { type: 'SidecarsProvisionedV1', reason: undefined },
    ]);
    return command;
  }

  async function workloadContainer(slug: string, name: string) {
    const container = (await harness.containersOf(slug)).find((c) => c.name === `hearth-${slug}-${name}`);
    expect(container).toBeDefined();
    return container!;
  }

  /**
   * Deployments shared by the cases that only look at them, or act on them in an order the file
   * keeps: each provisioned once, by whichever of its cases runs first (so one alone still runs).
   * `delivered`: looked at (files, environment), then its provisioning delivered again, then
   * deprovisioned. `restarted`: its agent restarted with a new value, then restarted with the
   * value refused.
   */
  const shared = new Map<string, Promise<{ slug: string; command: ProvisionCommand }>>();
  const sharedDeployment = (name: 'delivered' | 'restarted', openAiKey: string) => {
    let deployment = shared.get(name);
    if (deployment === undefined) {
      resolver.fixed.set('OPENAI_API_KEY', openAiKey);
      const slug = harness.newSlug();
      deployment = provisioned(slug).then((command) => ({ slug, command }));
      shared.set(name, deployment);
    }
    return deployment;
  };
  const delivered = () => sharedDeployment('delivered', API_KEY);
  const restarted = () => sharedDeployment('restarted', 'first-value');

  it('delivers each value as a file on a tmpfs, logs in to the sidecar with it, and leaves no value in docker inspect', async () => {
    const { slug } = await delivered();
    const password = harness.vault.secrets.get(`hearth/${slug}`)!.values['password']!;
    const postgresNames = [
      'POSTGRES_DATABASE',
      'POSTGRES_HOST',
      'POSTGRES_PASSWORD',
      'POSTGRES_PORT',
      'POSTGRES_USERNAME',
    ];
    // One resolution per workload, each with its own names only.
    expect(resolver.asked.filter((a) => a.workspace === slug)).toEqual([
      { workspace: slug, names: ['OPENAI_API_KEY', ...postgresNames] },
      { workspace: slug, names: postgresNames },
    ]);

    const agent = await workloadContainer(slug, 'agent');
    expect(await run(harness.docker, agent.id, ['cat', '/run/secrets/OPENAI_API_KEY'])).toEqual({
      out: API_KEY,
      code: 0,
    });
    // The sidecar's credential, given to the workload automatically, logs in to the sidecar over TCP.
    const login = await run(harness.docker, agent.id, [
      'sh',
      '-c',
      'PGPASSWORD="$(cat "$POSTGRES_PASSWORD_FILE")" psql -h "$(cat "$POSTGRES_HOST_FILE")" -U "$(cat "$POSTGRES_USERNAME_FILE")" -d postgres -tAc "select 42"',
    ]);
    expect(login).toEqual({ out: '42\n', code: 0 });
    const wrong = await run(harness.docker, agent.id, [
      'sh',
      '-c',
      'PGPASSWORD=wrong psql -h "$(cat "$POSTGRES_HOST_FILE")" -U postgres -d postgres -tAc "select 42"',
    ]);
    expect(wrong.code).not.toBe(0);
    // Mode 0400 on a tmpfs, not in the image's layers.
    expect(
      (
        await run(harness.docker, agent.id, [
          'sh',
          '-c',
          'stat -c %a /run/secrets/OPENAI_API_KEY; grep " /run/secrets " /proc/mounts',
        ])
      ).out,
    ).toMatch(/^400\ntmpfs \/run\/secrets tmpfs /);

    const inspected = await harness.docker.getContainer(agent.id).inspect();
    expect(inspected.Config.Env).toEqual(
      expect.arrayContaining([
        'OPENAI_API_KEY_FILE=/run/secrets/OPENAI_API_KEY',
        'POSTGRES_PASSWORD_FILE=/run/secrets/POSTGRES_PASSWORD',
      ]),
    );
    const text = JSON.stringify(inspected);
    for (const value of [API_KEY, JSON.stringify(API_KEY).slice(1, -1), 'sk-test', password]) {
      expect(text).not.toContain(value);
    }
    expect(inspected.HostConfig.Tmpfs).toEqual({
      '/run/secrets': expect.stringContaining('noexec') as unknown as string,
    });
    expect(inspected.Mounts.filter((m) => m.Destination.startsWith('/run/secrets'))).toEqual([]);
    expect(harness.logs.join('\n')).not.toContain(password);
    expect(harness.logs.join('\n')).not.toContain('sk-test');
  });

  it('puts the values in the process environment too when secrets_as_env is set, and only there and in the tmpfs', async () => {
    const { slug } = await delivered();
    const password = harness.vault.secrets.get(`hearth/${slug}`)!.values['password']!;
    const envonly = await workloadContainer(slug, 'envonly');
    const environ = await run(harness.docker, envonly.id, ['cat', '/proc/1/environ']);
    expect(environ.out.split('\0')).toEqual(expect.arrayContaining([`POSTGRES_PASSWORD=${password}`]));
    const inspected = JSON.stringify(await harness.docker.getContainer(envonly.id).inspect());
    expect(inspected).not.toContain(password);
    // The other workload did not ask for it: its command's environment holds paths only.
    const agent = await workloadContainer(slug, 'agent');
    expect((await run(harness.docker, agent.id, ['cat', '/proc/1/environ'])).out).not.toContain(password);
  });

  it('gives a restarted workload the value the vault resolves now, and leaves the sidecars as they are', async () => {
    const { slug } = await restarted();
    const before = await harness.containersOf(slug);
    const sidecar = before.find((c) => c.name === `hearth-${slug}-db`)!;
    const envonly = before.find((c) => c.name === `hearth-${slug}-envonly`)!;
    expect(
      (await run(harness.docker, (await workloadContainer(slug, 'agent')).id, ['cat', '/run/secrets/OPENAI_API_KEY']))
        .out,
    ).toBe('first-value');

    resolver.fixed.set('OPENAI_API_KEY', 'rotated-value');
    harness.directory.statuses.set(slug, 'provisioning'); // as the console sets it on a restart
    const restart = harness.restartCommand(slug, sidecars, workloads, 'agent');
    await harness.useCases.commands.handle(restart);
    const answers = await harness.answersTo(restart.id);
    expect(answers.map((a) => a.type)).toEqual(['ProvisioningStartedV1', 'SidecarsProvisionedV1']);

    const agent = await workloadContainer(slug, 'agent');
    expect((await run(harness.docker, agent.id, ['cat', '/run/secrets/OPENAI_API_KEY'])).out).toBe('rotated-value');
    const after = await harness.containersOf(slug);
    expect(after.find((c) => c.name === sidecar.name)!.id).toBe(sidecar.id);
    expect(after.find((c) => c.name === envonly.name)!.id).toBe(envonly.id); // only the one named
  });

  it('fails the provisioning with the vault’s code when a name is refused, and leaves no container', async () => {
    const slug = harness.newSlug();
    const refused: WorkloadSpec[] = [
      { name: 'agent', image: POSTGRES_IMAGE, command: ['sleep', 'infinity'], env_refs: ['NOBODY_OFFERS_THIS'] },
    ];
    const command = harness.provisionCommand(slug, sidecars, refused);
    await harness.useCases.provision.run(command);
    const answers = await harness.answersTo(command.id);
    expect(answers.map((a) => a.type)).toEqual(['ProvisioningStartedV1', 'ProvisioningFailedV1']);
    expect((answers[1]!.data as { reason: string }).reason).toMatch(/^VAULT\.RESOLVE_REFUSED: workload agent: /);
    expect(await harness.leftovers(slug)).toEqual({ containers: 0, networks: 0 });
    expect(harness.vault.secrets.get(`hearth/${slug}`)!.destroyed).toBe(true);
  });

  it('fails a restart whose resolution is refused, removing the workload it was restarting', async () => {
    const { slug } = await restarted();
    expect((await harness.containersOf(slug)).map((c) => c.name).sort()).toEqual([
      `hearth-${slug}-agent`,
      `hearth-${slug}-db`,
      `hearth-${slug}-envonly`,
    ]);
    resolver.fixed.delete('OPENAI_API_KEY');
    harness.directory.statuses.set(slug, 'provisioning');
    const restart = harness.restartCommand(slug, sidecars, workloads, 'agent');
    await harness.useCases.commands.handle(restart);
    const answers = await harness.answersTo(restart.id);
    expect((answers[1]!.data as { reason: string }).reason).toMatch(/^VAULT\.RESOLVE_REFUSED: /);
    const names = (await harness.containersOf(slug)).map((c) => c.name).sort();
    expect(names).toEqual([`hearth-${slug}-db`, `hearth-${slug}-envonly`]);
  });

  it('finishes a redelivered provisioning whose workloads were delivered, making nothing again', async () => {
    const { slug, command } = await delivered();
    const before = (await harness.containersOf(slug)).map((c) => c.id).sort();
    const asked = resolver.asked.length;
    await harness.useCases.provision.run(command); // the driver died before its ack
    expect((await harness.containersOf(slug)).map((c) => c.id).sort()).toEqual(before);
    expect(resolver.asked.length).toBe(asked);
    expect((await harness.answersTo(command.id)).map((a) => a.type)).toEqual([
      'ProvisioningStartedV1',
      'SidecarsProvisionedV1',
    ]);
  });

  it('removes workloads with the rest on deprovisioning', async () => {
    const { slug } = await delivered();
    expect((await harness.leftovers(slug)).containers).toBe(3);
    harness.directory.statuses.set(slug, 'deprovisioning');
    await harness.useCases.deprovision.run(harness.deprovisionCommand(slug));
    expect(await harness.leftovers(slug)).toEqual({ containers: 0, networks: 0 });
  });

  it('leaves a stopped workload for a restart when reconciling, and removes a failed deployment’s workloads', async () => {
    resolver.fixed.set('OPENAI_API_KEY', 'some-value');
    const slug = harness.newSlug();
    await provisioned(slug);
    harness.directory.statuses.set(slug, 'ready');
    const agent = await workloadContainer(slug, 'agent');
    const db = (await harness.containersOf(slug)).find((c) => c.name === `hearth-${slug}-db`)!;
    await harness.docker.getContainer(agent.id).kill(); // sleep as PID 1 ignores a stop's SIGTERM
    await harness.engine.stopContainer(db.id);
    await harness.useCases.reconcile.run();
    const running = new Map((await harness.containersOf(slug)).map((c) => [c.name, c.running]));
    expect(running.get(db.name)).toBe(true);
    expect(running.get(agent.name)).toBe(false);

    harness.directory.statuses.set(slug, 'failed');
    await harness.useCases.reconcile.run();
    expect(await harness.leftovers(slug)).toEqual({ containers: 0, networks: 0 });
  });
  it('never runs a workload whose delivery was cut short: the init exits and the dispatch fails with its words', async () => {
    resolver.fixed.set('OPENAI_API_KEY', 'some-value');
    const slug = harness.newSlug();
    const { engine } = harness;
    const startWithInput = engine.startWithInput.bind(engine);
    // The connection lost before the end line: everything but it arrives.
    engine.startWithInput = (id, input) => {
      const cut = Buffer.from(input.subarray(0, input.lastIndexOf('\n.\n') + 1));
      input.fill(0);
      return startWithInput(id, cut);
    };
    try {
      const command = harness.provisionCommand(slug, sidecars, [workloads[0]!]);
      await harness.useCases.provision.run(command);
      const answers = await harness.answersTo(command.id);
      expect((answers[1]!.data as { reason: string }).reason).toMatch(
        /^DRIVER\.SIDECAR_NOT_READY: workload agent stopped \(exit code 70\) before it was ready: hearth-init: the credentials were not delivered whole/,
      );
      expect(await harness.leftovers(slug)).toEqual({ containers: 0, networks: 0 });
    } finally {
      engine.startWithInput = startWithInput;
    }
  });
});
