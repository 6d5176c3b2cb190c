import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DeploymentRef, NatsIdentities } from '@hearth/contracts';
import { docker, freePort, until } from '@hearth/testkit';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { DockerComposeEnvironment, Wait, type StartedDockerComposeEnvironment } from 'testcontainers';

const root = resolve(import.meta.dirname, '../..');
const COMPOSE_FILE = 'infra/compose.yml';

/**
 * infra/compose.yml as an operator runs it on a server (infra/README.md): the images built here by
 * scripts/build-hearth-images.sh, the stack up through testcontainers, the demo by
 * `docker-compose run --rm cli demo`, secrets only in files, and nothing left on the engine after
 * `down`: no container, network or volume of the stack, nor the demo's sidecar.
 */
describe('infra/compose.yml: the whole of Hearth from images built here', () => {
  const id = randomBytes(4).toString('hex');
  const project = `hearth-e2e-${id}`;
  const slug = `ce${id}`;
  const env: Record<string, string> = { HEARTH_DRIVER_INSTANCE: project };
  let stack: StartedDockerComposeEnvironment | undefined;
  const service = (name: string) => stack!.getContainer(`${project}_${name}_1`);

  beforeAll(async () => {
    // Ryuk's image cannot be pulled here; afterAll removes what the test made, by label.
    process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
    const build = await run(resolve(root, 'scripts/build-hearth-images.sh'), []);
    if (build.status !== 0) throw new Error(`scripts/build-hearth-images.sh failed:\n${build.output}`);
    // Published on loopback, on ports of its own: a Hearth may already answer on 7700 here.
    env.HEARTH_CONSOLE_PORT = String(await freePort());
    env.HEARTH_HATCH_PORT = String(await freePort());
    stack = await new DockerComposeEnvironment(root, COMPOSE_FILE)
      .withProjectName(project)
      .withEnvironment(env)
      // Debian's docker-compose 1.29 is a program of its own, not a plugin of the docker CLI.
      .withClientOptions({ executable: { standalone: true } })
      // The others have health checks, which testcontainers waits on by itself.
      .withWaitStrategy(`${project}_driver-localdocker_1`, Wait.forLogMessage('"msg":"driver-localdocker ready"'))
      .withStartupTimeout(180_000)
      .up();
  }, 600_000);

  afterAll(async () => {
    // Also when a test failed or up() did: the stack, then whatever of it or of the demo is left.
    await stack?.down({ removeVolumes: true, timeout: 10_000 }).catch(() => undefined);
    await removeLeftovers(project);
  }, 120_000);

  it("answers on the console's published loopback port with the admin token init generated, and serves the web console", async () => {
    const token = await secretOf('console', 'admin-token');
    const response = await fetch(`http://127.0.0.1:${env.HEARTH_CONSOLE_PORT}/v1/deployments`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    const refused = await fetch(`http://127.0.0.1:${env.HEARTH_CONSOLE_PORT}/v1/deployments`, {
      headers: { authorization: `Bearer ${'x'.repeat(43)}` },
    });
    expect(refused.status).toBe(401);
    // The web console, from the image's own copy of the built app.
    const page = await fetch(`http://127.0.0.1:${env.HEARTH_CONSOLE_PORT}/deployments`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script type="module"');
    // Its reads of the vault and hatch reach them across the stack's network.
    for (const path of ['/v1/vault/credentials', '/v1/audit/verification']) {
      const read = await fetch(`http://127.0.0.1:${env.HEARTH_CONSOLE_PORT}${path}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect({ path, status: read.status }).toEqual({ path, status: 200 });
    }
  });

  it('gives each service its own secrets only, as files of mode 600, and none in docker inspect', async () => {
    const expected: Record<string, string[]> = {
      console: [
        'admin-token',
        'console.json',
        'nats.seed',
        'postgres-password',
        'service-keys.json',
        'signing-key.pem',
        'vault-seal.pub',
      ],
      vault: [
        'console.pub',
        'driver-localdocker.pub',
        'nats.seed',
        'postgres-password',
        'root.pub',
        'service-keys.json',
        'signing-key.pem',
        'vault-kek.json',
        'vault-seal.key',
      ],
      hatch: ['hatch-signing-key.pem', 'nats.seed', 'postgres-password', 'service-keys.json'],
      'driver-localdocker': [
        'driver-localdocker.json',
        'nats.seed',
        'service-keys.json',
        'signing-key.pem',
        'vault-seal.pub',
      ],
      postgres: ['postgres-password'],
      // Every identity's public key, and no seed.
      nats: NatsIdentities.map((identity) => `${identity}.pub`).sort(),
    };
    for (const [name, files] of Object.entries(expected)) {
      const listing = await service(name).exec(['sh', '-c', 'cd /run/secrets && stat -c "%n %a" *']);
      expect({ name, listing: listing.stdout.trim().split('\n') }).toEqual({
        name,
        listing: files.map((file) => `${file} 600`),
      });
    }

    const kek = JSON.parse(await secretOf('vault', 'vault-kek.json')) as { keys: Record<string, string> };
    const driverKey = JSON.parse(await secretOf('driver-localdocker', 'driver-localdocker.json')) as {
      secretKey: string;
    };
    const rootKey = await compose(['run', '--rm', '--entrypoint', 'cat', 'cli', '/hearth/keys/root.json']);
    expect({ status: rootKey.status, output: rootKey.output }).toMatchObject({ status: 0 });
    const secrets = {
      'the admin token': await secretOf('console', 'admin-token'),
      "Postgres' password": await secretOf('postgres', 'postgres-password'),
      'the KEK': Object.values(kek.keys)[0]!,
      "hatch's signing key": (await secretOf('hatch', 'hatch-signing-key.pem')).split('\n')[1]!,
      "the console's signing key": (await secretOf('console', 'signing-key.pem')).split('\n')[1]!,
      "the driver's vault key": driverKey.secretKey,
      "the console's vault key": (JSON.parse(await secretOf('console', 'console.json')) as { secretKey: string })
        .secretKey,
      "the vault's seal key": await secretOf('vault', 'vault-seal.key'),
      "root's vault key": (JSON.parse(rootKey.stdout) as { secretKey: string }).secretKey,
      ...Object.fromEntries(
        await Promise.all(
          ['console', 'vault', 'hatch', 'driver-localdocker'].map(async (name): Promise<[string, string]> => [
            `the ${name}'s NATS seed`,
            await secretOf(name, 'nats.seed'),
          ]),
        ),
      ),
    };
    const ids = (await docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`])).stdout;
    expect(ids.split('\n')).toHaveLength(7); // init, nats, postgres and the four services
    const inspected = (await docker(['inspect', ...ids.split('\n')])).stdout;
    for (const [what, value] of Object.entries(secrets)) {
      expect({ what, length: value.length >= 24 }).toEqual({ what, length: true });
      expect({ what, inInspect: inspected.includes(value) }).toEqual({ what, inInspect: false });
    }
  });

  it('passes the demo, run by the CLI service of the stack, and removes its deployment', async () => {
    const demo = await compose(['run', '--rm', 'cli', 'demo', '--slug', slug]);
    expect({ status: demo.status, output: demo.output }).toMatchObject({ status: 0 });
    const json = /\n(\{\n[\s\S]*?\n\})\n/.exec(demo.output)?.[1];
    expect(DeploymentRef.parse(JSON.parse(json!))).toMatchObject({
      workspace_slug: slug,
      last_status: 'ready',
      endpoint: `postgres://hearth-${slug}-postgres:5432/postgres`,
      secrets_vault_path: `vault://hearth/${slug}`,
    });
    expect(demo.output).toMatch(/\n {3}PostgreSQL 15\.\d+ /);
    expect(demo.output).toMatch(new RegExp(`vault +secret\\.read +demo +OK +${slug} +hearth/${slug}\\n`));

    const removal = await compose(['run', '--rm', 'cli', 'deploy', 'rm', slug]);
    expect({ status: removal.status, output: removal.output }).toMatchObject({ status: 0 });
    await until(async () => (await sidecarsOf(project)) === '', {
      timeoutMs: 60_000,
      intervalMs: 200,
      what: "the demo's sidecar and network gone",
    });
  });

  it('leaves no container, network or volume behind after down', async () => {
    await stack!.down({ removeVolumes: true, timeout: 10_000 });
    stack = undefined;
    expect(await composeObjectsOf(project)).toEqual({ containers: '', networks: '', volumes: '' });
    expect(await sidecarsOf(project)).toBe('');
  });

  /** A file of a service's own secrets, read inside its container as the user it runs as. */
  async function secretOf(name: string, file: string): Promise<string> {
    const read = await service(name).exec(['cat', `/run/secrets/${file}`]);
    if (read.exitCode !== 0) throw new Error(`cannot read ${file} in ${name}: ${read.stderr}`);
    return read.stdout.trim();
  }

  function compose(args: string[]): Promise<Run> {
    return run('docker-compose', ['-f', COMPOSE_FILE, '-p', project, ...args], env);
  }
});

interface Run {
  status: number | null;
  stdout: string;
  /** stdout and stderr as they came, as an operator sees them. */
  output: string;
}

/** Runs a program from the repository's root. */
function run(command: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      output += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('error', fail);
    child.once('close', (status) => done({ status, stdout, output }));
  });
}

/** The stack's containers, networks and volumes, by the labels docker-compose gives them. */
async function composeObjectsOf(project: string) {
  const label = `label=com.docker.compose.project=${project}`;
  return {
    containers: (await docker(['ps', '-aq', '--filter', label])).stdout,
    networks: (await docker(['network', 'ls', '-q', '--filter', label])).stdout,
    volumes: (await docker(['volume', 'ls', '-q', '--filter', label])).stdout,
  };
}

/** What the stack's driver made on the engine (its instance is the project's name). */
async function sidecarsOf(instance: string): Promise<string> {
  const label = `label=hearth.instance=${instance}`;
  const containers = (await docker(['ps', '-aq', '--filter', label])).stdout;
  const networks = (await docker(['network', 'ls', '-q', '--filter', label])).stdout;
  return `${containers}${networks}`;
}

async function removeLeftovers(project: string): Promise<void> {
  for (const label of [`com.docker.compose.project=${project}`, `hearth.instance=${project}`]) {
    const containers = (await docker(['ps', '-aq', '--filter', `label=${label}`])).stdout;
    if (containers) await docker(['rm', '-fv', ...containers.split('\n')]);
    const networks = (await docker(['network', 'ls', '-q', '--filter', `label=${label}`])).stdout;
    if (networks) await docker(['network', 'rm', ...networks.split('\n')]);
  }
  const volumes = (await docker(['volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`]))
    .stdout;
  if (volumes) await docker(['volume', 'rm', '-f', ...volumes.split('\n')]);
}
