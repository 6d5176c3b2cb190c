import { describe, expect, it } from '@jest/globals';
import { planDeployment } from '../plan/deployment-plan.js';
import { KNOWN_SIDECARS } from './known-sidecars.js';

/** What the seed's table says, row by row: sugar env and the generated credential's name. */
const SEED_TABLE: ReadonlyArray<readonly [string, Record<string, string>, string]> = [
  ['postgres', { POSTGRES_USER: 'postgres' }, 'POSTGRES_PASSWORD'],
  ['mariadb', {}, 'MARIADB_ROOT_PASSWORD'],
  ['mysql', {}, 'MYSQL_ROOT_PASSWORD'],
  ['mongo', { MONGO_INITDB_ROOT_USERNAME: 'root' }, 'MONGO_INITDB_ROOT_PASSWORD'],
  ['rabbitmq', { RABBITMQ_DEFAULT_USER: 'admin' }, 'RABBITMQ_DEFAULT_PASS'],
  ['elasticsearch', { 'discovery.type': 'single-node' }, 'ELASTIC_PASSWORD'],
];

const plan = (image: string) =>
  planDeployment({ slug: 'acme', tier: 'dev', sidecars: [{ name: 'db', image }] }).sidecars[0]!;

describe('the known-sidecar catalog', () => {
  it('holds exactly the seed’s rows, in its order', () => {
    expect(KNOWN_SIDECARS.map((row) => row.image)).toEqual(SEED_TABLE.map(([image]) => image));
  });

  it.each(SEED_TABLE)('gives %s the sugar %j and a generated %s', (image, sugar, credential) => {
    const sidecar = plan(`${image}:latest`);
    expect(sidecar.known).toBe(image);
    expect(sidecar.credentials.map((c) => c.name)).toEqual([credential]);
    for (const [name, value] of Object.entries(sugar)) expect(sidecar.env[name]).toBe(value);
    const row = KNOWN_SIDECARS.find((r) => r.image === image)!;
    expect(row.sugar).toEqual(sugar);
  });

  it.each(SEED_TABLE)('delivers %s’s credential without putting a value in its env', (image) => {
    const sidecar = plan(image);
    const [credential] = sidecar.credentials;
    expect(Object.keys(sidecar.env)).not.toContain(credential!.env);
    if (credential!.delivery === 'file') {
      expect(sidecar.env[`${credential!.env}_FILE`]).toBe(`/run/secrets/${credential!.name}`);
    }
  });

  it('delivers by env only where the image reads no file: rabbitmq', () => {
    expect(KNOWN_SIDECARS.filter((row) => row.credential.delivery === 'env').map((row) => row.image)).toEqual([
      'rabbitmq',
    ]);
  });

  it.each(KNOWN_SIDECARS.filter((row) => row.image !== 'rabbitmq').map((row) => [row.image, row] as const))(
    '%s is checked by a login with its credential over TCP to its own address',
    (_, row) => {
      expect(row.readiness).toContain(row.credential.env);
      expect(row.readiness).toContain('hostname -i');
    },
  );

  it('checks rabbitmq’s credential with rabbitmqctl, its image having no AMQP client', () => {
    const row = KNOWN_SIDECARS.find((r) => r.image === 'rabbitmq')!;
    expect(row.readiness).toContain('rabbitmqctl -q authenticate_user');
    expect(row.readiness).toContain(row.credential.env);
  });

  it.each([
    ['redis:7', 'redis'],
    ['busybox', 'busybox'],
    ['mypostgres:16', 'mypostgres'],
  ])('gives %s (not in the catalog) no credential', (image) => {
    const sidecar = plan(image);
    expect(sidecar.known).toBeNull();
    expect(sidecar.credentials).toEqual([]);
    expect(sidecar.env).toEqual({});
    expect(sidecar.readiness).toBeNull();
  });
});
