import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DeploymentRef, SidecarSpec } from '@hearth/contracts';
import { docker, type DriverStack, placesHolding, registerWorkspace, startDriverStack, until } from '@hearth/testkit';

/** The container's own address on its network: a login there goes over TCP and is checked. */
const OWN_ADDRESS = `"$(hostname -i | cut -d' ' -f1)"`;

interface CatalogCase {
  /** The sidecar's name: the catalog row it stands for, or the image outside the catalog. */
  name: string;
  spec: Omit<SidecarSpec, 'name'>;
  /** The variable the image reads the generated credential from. */
  credential: string;
  /** The value's name in the vault: a catalog row's credential is typed (its `password`), a declared one generic. */
  value: string;
  endpoint: (container: string) => string;
  /** Entries the container's env holds; of the credential, a `_FILE` pointer at most. */
  env: string[];
  /** A shell line run in the container that logs in with the password it reads from stdin. */
  login: string;
  /** What `login` prints once in. */
  loggedIn: string;
}

const mysqlLogin = (client: string) =>
  `read -r MYSQL_PWD; export MYSQL_PWD; ${client} --connect-timeout=5 -h ${OWN_ADDRESS} -uroot -Nse 'SELECT 1'`;

const CASES: CatalogCase[] = [
  {
    name: 'mariadb',
    spec: { image: 'hearth-test/mariadb:10.11' },
    credential: 'MARIADB_ROOT_PASSWORD',
    value: 'password',
    endpoint: (container) => `mysql://${container}:3306`,
    env: ['MARIADB_ROOT_PASSWORD_FILE=/run/secrets/MARIADB_ROOT_PASSWORD'],
    login: mysqlLogin('mariadb'),
    loggedIn: '1',
  },
  {
    name: 'mysql',
    spec: { image: 'hearth-test/mysql:10.11' },
    credential: 'MYSQL_ROOT_PASSWORD',
    value: 'password',
    endpoint: (container) => `mysql://${container}:3306`,
    env: ['MYSQL_ROOT_PASSWORD_FILE=/run/secrets/MYSQL_ROOT_PASSWORD'],
    login: mysqlLogin('mysql'),
    loggedIn: '1',
  },
  {
    // By the node's Erlang distribution, which reaches it at its own address: the image has no AMQP client.
    name: 'rabbitmq',
    spec: { image: 'hearth-test/rabbitmq:3' },
    credential: 'RABBITMQ_DEFAULT_PASS',
    value: 'password',
    endpoint: (container) => `amqp://${container}:5672`,
    env: ['RABBITMQ_DEFAULT_USER=admin'],
    login: `read -r pw; printf '%s' "$pw" | rabbitmqctl -q authenticate_user admin`,
    loggedIn: 'Success',
  },
  {
    name: 'redis',
    spec: {
      image: 'hearth-test/redis:7',
      auto_credentials: [{ name: 'REDIS_PASSWORD' }],
      ports: [{ container: 6379 }],
    },
    credential: 'REDIS_PASSWORD',
    value: 'REDIS_PASSWORD',
    endpoint: (container) => `tcp://${container}:6379`,
    env: ['REDIS_PASSWORD_FILE=/run/secrets/REDIS_PASSWORD'],
    login: `read -r REDISCLI_AUTH; export REDISCLI_AUTH; redis-cli -e --no-auth-warning -h ${OWN_ADDRESS} ping`,
    loggedIn: 'PONG',
  },
];

/** `login` run inside `container` by `docker exec`, the password on its stdin (never on a command line). */
const loginIn = (container: string, login: string, password: string) =>
  docker(['exec', '-i', container, 'sh', '-c', login], `${password}\n`);

describe('the catalog’s images, end to end: a generated credential logs in and is found in the vault only', () => {
  let stack: DriverStack;
  const slugs = new Map<string, string>();
  const ready = new Map<string, DeploymentRef>();

  // All four asked for at once, each a workspace (and network) of its own; the driver takes them in
  // turn, each within its readiness timeout (60 s).
  beforeAll(async () => {
    stack = await startDriverStack(CASES.map((c) => c.spec.image));
    for (const c of CASES) {
      const slug = stack.newSlug();
      slugs.set(c.name, slug);
      await registerWorkspace(stack.console.url, stack.console.adminToken, slug);
      const created = await stack.http('/v1/deployments', {
        method: 'POST',
        body: { slug, tier: 'dev', driver: 'localdocker', sidecars: [{ name: c.name, ...c.spec }] },
      });
      expect(created.status).toBe(201);
    }
    for (const c of CASES) ready.set(c.name, await stack.until(slugs.get(c.name)!, ['ready', 'failed'], 250_000));
  }, 300_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it.each(CASES.map((c) => [c.name, c] as const))(
    '%s: logs in with the vault’s value only, and the value is in the vault alone: not in docker inspect, logs, streams or databases',
    async (_, c) => {
      const slug = slugs.get(c.name)!;
      const container = `hearth-${slug}-${c.name}`;
      const ref = ready.get(c.name)!;
      expect(ref).toMatchObject({
        last_status: 'ready',
        endpoint: c.endpoint(container),
        secrets_vault_path: `vault://hearth/${slug}`,
      });

      const password = (await stack.reader.read(`hearth/${slug}`)).values[c.value]!;
      expect(password).toMatch(/^[A-Za-z0-9_-]{43}$/);
      // An image outside the catalog (redis) has no check of its own: ready means running.
      await until(async () => (await loginIn(container, c.login, password)).status === 0, {
        timeoutMs: 30_000,
        intervalMs: 100,
        what: `a login to ${c.name} with the vault's value`,
      });
      expect(await loginIn(container, c.login, password)).toEqual({ status: 0, stdout: c.loggedIn });
      const wrong = `${password.slice(0, -1)}${password.endsWith('A') ? 'B' : 'A'}`;
      for (const other of [wrong, '']) expect((await loginIn(container, c.login, other)).status).not.toBe(0);

      const inspect = (await docker(['inspect', container])).stdout;
      const [config] = JSON.parse(inspect) as Array<{
        Config: { Env: string[] };
        NetworkSettings: { Networks: Record<string, unknown> };
      }>;
      expect(config!.Config.Env).toEqual(expect.arrayContaining(c.env));
      const naming = (env: string[]) => env.filter((e) => e.startsWith(c.credential));
      expect(naming(config!.Config.Env)).toEqual(naming(c.env));
      expect(Object.keys(config!.NetworkSettings.Networks)).toEqual([`hearth-${slug}`]);

      const places: Record<string, string> = {
        'docker inspect of the sidecar': inspect,
        'the DeploymentRef': JSON.stringify(ref),
        ...(await stack.placesASecretMustNotReach()),
      };
      expect(places['driver logs']).toContain(slug); // the scan sees the driver's work
      expect(placesHolding(places, password)).toEqual([]);
    },
  );

  it('deprovisions all four to nothing: no container, no network, no readable credential', async () => {
    for (const slug of slugs.values()) {
      expect((await stack.http(`/v1/deployments/${slug}`, { method: 'DELETE' })).status).toBe(202);
    }
    for (const slug of slugs.values()) {
      await stack.until(slug, ['deprovisioned']);
      expect(await stack.leftovers(slug)).toEqual({ containers: '', networks: '' });
      expect(await stack.readableVersions(slug)).toBe(0);
      await expect(stack.reader.read(`hearth/${slug}`)).rejects.toMatchObject({ code: 'VAULT.SECRET_NOT_FOUND' });
    }
  });
});
