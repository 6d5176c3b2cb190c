import { describe, expect, it } from '@jest/globals';
import {
  checkCredentialFields,
  ENV_PREFIX_TAG,
  ErrorCode,
  HearthError,
  SIDECAR_CATALOG,
  SidecarSpec,
  SYSTEM_CREDENTIAL_TYPES,
} from '@hearth/contracts';
import { credentialFileContent, planDeployment } from '../plan/deployment-plan.js';
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

  it('is exactly the catalog contracts names, which the web console offers', () => {
    expect(KNOWN_SIDECARS.map((row) => row.image)).toEqual(SIDECAR_CATALOG.map((entry) => entry.image));
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
    expect(credential!.delivery).not.toBe('env');
    expect(credential!.file).not.toBeNull();
    if (credential!.delivery === 'file') {
      expect(sidecar.env[`${credential!.env}_FILE`]).toBe(`/run/secrets/${credential!.name}`);
    }
  });

  it('delivers by a settings file the image reads by itself only where it reads no _FILE: rabbitmq', () => {
    expect(KNOWN_SIDECARS.filter((row) => row.credential.delivery !== 'file').map((row) => row.image)).toEqual([
      'rabbitmq',
    ]);
    const sidecar = plan('rabbitmq:3-management');
    // No RABBITMQ_DEFAULT_PASS_FILE either: the official image refuses to start with it.
    expect(sidecar.env).toEqual({ RABBITMQ_DEFAULT_USER: 'admin' });
    expect(sidecar.credentials).toEqual([
      {
        name: 'RABBITMQ_DEFAULT_PASS',
        env: 'RABBITMQ_DEFAULT_PASS',
        delivery: 'config',
        file: '/etc/rabbitmq/conf.d/90-hearth-credential.conf',
        setting: 'default_pass',
      },
    ]);
    expect(credentialFileContent(sidecar.credentials[0]!, 'v4lue')).toBe('default_pass = v4lue\n');
  });

  it.each(KNOWN_SIDECARS.filter((row) => row.image !== 'rabbitmq').map((row) => [row.image, row] as const))(
    '%s is checked by a login with its credential over TCP to its own address',
    (_, row) => {
      expect(row.readiness).toContain(row.credential.env);
      expect(row.readiness).toContain('hostname -i');
    },
  );

  it('checks rabbitmq’s credential with rabbitmqctl, its image having no AMQP client, once the node listens', () => {
    const row = KNOWN_SIDECARS.find((r) => r.image === 'rabbitmq')!;
    expect(row.readiness).toContain('rabbitmqctl -q authenticate_user');
    expect(row.readiness).toContain(`s/^default_pass = //p' ${row.credential.config!.file}`);
    // 5672 is 0x1628: the CLI (which would write an Erlang cookie the node cannot read) waits for it.
    expect(row.readiness).toContain(":1628 [0-9A-F]+:0000 0A ' /proc/net/tcp /proc/net/tcp6 &&");
    expect(row.readiness.indexOf('/proc/net/tcp')).toBeLessThan(row.readiness.indexOf('rabbitmqctl'));
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

/** The code a one-sidecar spec is refused with, or null when it plans. */
function refusalOf(spec: SidecarSpec): string | null {
  try {
    planDeployment({ slug: 'acme', tier: 'dev', sidecars: [SidecarSpec.parse(spec)] });
    return null;
  } catch (error) {
    if (error instanceof HearthError) return error.code;
    throw error;
  }
}

/**
 * Per row, the env that would let a login in without the generated credential (or replace it by
 * a value the vault never saw), each with a value that does so. Written out here, not read from the
 * catalog, so that dropping an entry from the data file fails a test.
 */
const WEAKENING_ENV: ReadonlyArray<readonly [string, string, string]> = [
  ['postgres', 'POSTGRES_HOST_AUTH_METHOD', 'trust'],
  ['postgres', 'POSTGRES_HOST_AUTH_METHOD', 'md5'],
  ['mariadb', 'MARIADB_ALLOW_EMPTY_ROOT_PASSWORD', '1'],
  ['mariadb', 'MARIADB_RANDOM_ROOT_PASSWORD', 'yes'],
  ['mariadb', 'MARIADB_ROOT_PASSWORD_HASH', '*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19'],
  ['mariadb', 'MYSQL_ALLOW_EMPTY_PASSWORD', 'yes'],
  ['mariadb', 'MYSQL_RANDOM_ROOT_PASSWORD', 'yes'],
  ['mariadb', 'MYSQL_ROOT_PASSWORD', 'chosen-by-hand'],
  ['mariadb', 'MYSQL_ROOT_PASSWORD_FILE', '/etc/hostname'],
  ['mysql', 'MYSQL_ALLOW_EMPTY_PASSWORD', 'yes'],
  ['mysql', 'MYSQL_RANDOM_ROOT_PASSWORD', 'yes'],
  ['mysql', 'MYSQL_ONETIME_PASSWORD', 'yes'],
  ['rabbitmq', 'RABBITMQ_ERLANG_COOKIE', 'known-to-the-spec-author'],
  ['rabbitmq', 'RABBITMQ_CONFIG_FILES', '/etc/rabbitmq/elsewhere/*.conf'],
  ['elasticsearch', 'xpack.security.enabled', 'false'],
  ['elasticsearch', 'xpack.security.authc.anonymous.roles', 'superuser'],
  ['elasticsearch', 'ES_SETTING_XPACK_SECURITY_ENABLED', 'false'],
  ['elasticsearch', 'ES_SETTING_XPACK_SECURITY_AUTHC_ANONYMOUS_ROLES', 'superuser'],
];

describe('a spec cannot defeat a row’s generated credential', () => {
  it.each(WEAKENING_ENV)('%s: env %s=%s is refused as weakening authentication', (image, variable, value) => {
    expect(refusalOf({ name: 'db', image: `${image}:latest`, env: { [variable]: value } })).toBe(
      ErrorCode.AuthWeakened,
    );
  });

  it('forbids in the catalog exactly what the table above refuses', () => {
    for (const row of KNOWN_SIDECARS) {
      const expected = new Set(WEAKENING_ENV.filter(([image]) => image === row.image).map(([, variable]) => variable));
      expect([...row.forbiddenEnv].sort()).toEqual([...expected].sort());
    }
  });

  it('forbids those switches only where the image reads them: busybox may carry POSTGRES_HOST_AUTH_METHOD', () => {
    expect(refusalOf({ name: 'x', image: 'busybox', env: { POSTGRES_HOST_AUTH_METHOD: 'trust' } })).toBeNull();
  });

  it('names the variable, never its value', () => {
    try {
      planDeployment({
        slug: 'acme',
        tier: 'dev',
        sidecars: [{ name: 'db', image: 'mariadb', env: { MARIADB_ROOT_PASSWORD_HASH: '*2470C0C06DEE' } }],
      });
    } catch (error) {
      expect((error as Error).message).toContain('MARIADB_ROOT_PASSWORD_HASH');
      expect((error as Error).message).not.toContain('*2470C0C06DEE');
    }
    expect.assertions(2);
  });

  it.each(SEED_TABLE.filter(([, sugar]) => Object.keys(sugar).length > 0))(
    '%s: a sugar default may be overridden but not blanked',
    (image, sugar) => {
      const [variable] = Object.keys(sugar);
      expect(refusalOf({ name: 'db', image, env: { [variable!]: 'someone' } })).toBeNull();
      expect(refusalOf({ name: 'db', image, env: { [variable!]: '' } })).toBe(ErrorCode.AuthWeakened);
      expect(refusalOf({ name: 'db', image, env: { [variable!]: ' ' } })).toBe(ErrorCode.AuthWeakened);
    },
  );

  it.each(SEED_TABLE)('%s: env may set neither %s nor its _FILE (either would bypass the vault)', (image, _, name) => {
    expect(refusalOf({ name: 'db', image, env: { [name]: 'chosen-by-hand' } })).toBe(ErrorCode.CredentialConflict);
    expect(refusalOf({ name: 'db', image, env: { [`${name}_FILE`]: '/etc/hostname' } })).toBe(
      ErrorCode.CredentialConflict,
    );
  });

  it.each(SEED_TABLE)('%s: a renamed %s still may not be set by env', (image, _, name) => {
    const auto_credentials = [{ name: 'RENAMED', env: name }];
    expect(refusalOf({ name: 'db', image, auto_credentials, env: { [name]: 'x' } })).toBe(ErrorCode.CredentialConflict);
    expect(refusalOf({ name: 'db', image, auto_credentials, env: { [`${name}_FILE`]: '/x' } })).toBe(
      ErrorCode.CredentialConflict,
    );
  });

  it('refuses env setting a declared credential of an image outside the catalog, or its _FILE', () => {
    const auto_credentials = [{ name: 'REDIS_PASSWORD' }];
    expect(refusalOf({ name: 'c', image: 'redis', auto_credentials, env: { REDIS_PASSWORD: 'x' } })).toBe(
      ErrorCode.CredentialConflict,
    );
    expect(refusalOf({ name: 'c', image: 'redis', auto_credentials, env: { REDIS_PASSWORD_FILE: '/x' } })).toBe(
      ErrorCode.CredentialConflict,
    );
  });
});

describe('a catalog credential, which every image reads from a file, is never delivered by env', () => {
  it.each(KNOWN_SIDECARS.map((row) => [row.image, row] as const))(
    '%s: auto_credentials asking for delivery by env is refused',
    (image, row) => {
      for (const name of [row.credential.name, 'RENAMED']) {
        expect(
          refusalOf({ name: 'db', image, auto_credentials: [{ name, env: row.credential.env, delivery: 'env' }] }),
        ).toBe(ErrorCode.CredentialByEnvRefused);
      }
      expect(
        refusalOf({ name: 'db', image, auto_credentials: [{ name: 'X', env: row.credential.env, delivery: 'file' }] }),
      ).toBeNull();
    },
  );

  it('names where the image reads it instead', () => {
    const refused = (image: string, env: string) => {
      try {
        planDeployment({
          slug: 'acme',
          tier: 'dev',
          sidecars: [{ name: 'db', image, auto_credentials: [{ name: env, delivery: 'env' }] }],
        });
      } catch (error) {
        return (error as Error).message;
      }
      return null;
    };
    expect(refused('rabbitmq', 'RABBITMQ_DEFAULT_PASS')).toContain('in /etc/rabbitmq/conf.d/90-hearth-credential.conf');
    expect(refused('postgres', 'POSTGRES_PASSWORD')).toContain('by file (POSTGRES_PASSWORD_FILE)');
  });

  it('keeps rabbitmq’s settings file where the spec asks for delivery by file, the image reading no _FILE', () => {
    const [sidecar] = planDeployment({
      slug: 'acme',
      tier: 'dev',
      sidecars: [
        {
          name: 'mq',
          image: 'rabbitmq',
          auto_credentials: [{ name: 'MQ_ROOT', env: 'RABBITMQ_DEFAULT_PASS', delivery: 'file' }],
        },
      ],
    }).sidecars;
    expect(sidecar!.env).toEqual({ RABBITMQ_DEFAULT_USER: 'admin' });
    expect(sidecar!.credentials).toEqual([
      expect.objectContaining({
        name: 'MQ_ROOT',
        delivery: 'config',
        file: '/etc/rabbitmq/conf.d/90-hearth-credential.conf',
      }),
    ]);
  });

  it('allows it for a credential outside the catalog row', () => {
    expect(
      refusalOf({ name: 'db', image: 'postgres', auto_credentials: [{ name: 'EXPORTER_TOKEN', delivery: 'env' }] }),
    ).toBeNull();
  });
});

describe('a catalog credential is written typed', () => {
  /**
   * What the vault holds for each row's sidecar `db` of workspace acme, besides the password, and the
   * prefix of the names a workload gets it by.
   */
  const TYPED: ReadonlyArray<readonly [string, string, Record<string, string>, string]> = [
    [
      'postgres',
      'postgres',
      { host: 'hearth-acme-db', port: '5432', username: 'postgres', database: 'postgres' },
      'POSTGRES',
    ],
    ['mariadb', 'mysql', { host: 'hearth-acme-db', port: '3306', username: 'root' }, 'MARIADB_ROOT'],
    ['mysql', 'mysql', { host: 'hearth-acme-db', port: '3306', username: 'root' }, 'MYSQL_ROOT'],
    [
      'mongo',
      'mongodb',
      { host: 'hearth-acme-db', port: '27017', username: 'root', database: 'admin' },
      'MONGO_INITDB_ROOT',
    ],
    ['rabbitmq', 'rabbitmq', { host: 'hearth-acme-db', port: '5672', username: 'admin' }, 'RABBITMQ_DEFAULT'],
    ['elasticsearch', 'http_basic', { url: 'https://hearth-acme-db:9200', username: 'elastic' }, 'ELASTIC'],
  ];

  it.each(TYPED)(
    '%s as %s, with where and as whom clients on the workspace network log in',
    (image, type, fields, envPrefix) => {
      const plan = planDeployment({ slug: 'acme', tier: 'dev', sidecars: [{ name: 'db', image }] });
      const { typed } = plan;
      expect(typed).toEqual({
        type,
        fields,
        name: KNOWN_SIDECARS.find((r) => r.image === image)!.credential.name,
        envPrefix,
      });
      expect(plan.credentialTags[ENV_PREFIX_TAG]).toBe(envPrefix);
      // The vault's own check of the type's fields passes with the generated password.
      const definition = SYSTEM_CREDENTIAL_TYPES.get(type)!;
      expect(checkCredentialFields(definition, { ...fields, password: 'x'.repeat(43) }).errors).toEqual([]);
    },
  );

  it('names the user the spec chose over the sugar’s', () => {
    const typed = planDeployment({
      slug: 'acme',
      tier: 'dev',
      sidecars: [{ name: 'db', image: 'postgres:16', env: { POSTGRES_USER: 'app' } }],
    }).typed;
    expect(typed?.fields.username).toBe('app');
  });

  it('stays generic, one value per name, where the workspace generates more than one sidecar’s credential', () => {
    const generic = (sidecars: SidecarSpec[]) => planDeployment({ slug: 'acme', tier: 'dev', sidecars }).typed;
    expect(
      generic([
        { name: 'db', image: 'postgres:16' },
        { name: 'mq', image: 'rabbitmq:3' },
      ]),
    ).toBeNull();
    expect(
      generic([{ name: 'db', image: 'postgres:16', auto_credentials: [{ name: 'TOOL_TOKEN', delivery: 'file' }] }]),
    ).toBeNull();
    expect(
      generic([{ name: 'tool', image: 'busybox:1', auto_credentials: [{ name: 'TOOL_TOKEN', delivery: 'file' }] }]),
    ).toBeNull();
  });

  it('says for each row how a new password is applied, or that it cannot be', () => {
    expect(KNOWN_SIDECARS.map((r) => [r.image, r.rotation?.statement ?? null])).toEqual([
      ['postgres', 'scram'],
      ['mariadb', 'mysql-native'],
      ['mysql', 'mysql-native'],
      ['mongo', null],
      ['rabbitmq', 'none'],
      ['elasticsearch', null],
    ]);
  });
});
