import { describe, expect, it } from '@jest/globals';
import { ErrorCode, HearthError, SidecarSpec } from '@hearth/contracts';
import { CATALOG_LABEL } from '../catalog/image-name.js';
import type { MountPolicy } from './container-rules.js';
import { planDeployment, TIER_LIMITS } from './deployment-plan.js';

const postgres = { name: 'postgres', image: 'postgres:16-alpine' };

function refusal(sidecars: SidecarSpec[]): { code: string; message: string } | null {
  try {
    planDeployment({ slug: 'acme', tier: 'dev', sidecars: sidecars.map((s) => SidecarSpec.parse(s)) });
    return null;
  } catch (error) {
    if (!(error instanceof HearthError)) throw error;
    return { code: error.code, message: error.message };
  }
}

describe('a deployment plan', () => {
  it('puts a postgres sidecar on the workspace network with its credential by file and its endpoint', () => {
    const plan = planDeployment({ slug: 'acme', tier: 'dev', sidecars: [postgres] });
    expect(plan).toMatchObject({
      slug: 'acme',
      network: 'hearth-acme',
      vaultPath: 'hearth/acme',
      limits: TIER_LIMITS.dev,
      endpoint: 'postgres://hearth-acme-postgres:5432/postgres',
      credentialTags: { provisioned_for_service: 'acme/postgres' },
    });
    expect(plan.sidecars[0]).toEqual({
      name: 'postgres',
      container: 'hearth-acme-postgres',
      image: 'postgres:16-alpine',
      known: 'postgres',
      env: { POSTGRES_USER: 'postgres', POSTGRES_PASSWORD_FILE: '/run/secrets/POSTGRES_PASSWORD' },
      credentials: [
        {
          name: 'POSTGRES_PASSWORD',
          env: 'POSTGRES_PASSWORD',
          delivery: 'file',
          file: '/run/secrets/POSTGRES_PASSWORD',
          setting: null,
        },
      ],
      readiness: expect.stringContaining('psql') as unknown as string,
      endpoint: 'postgres://hearth-acme-postgres:5432/postgres',
      exposedPorts: ['5432/tcp'],
      binds: [],
    });
  });

  it('limits memory and processes more generously by tier', () => {
    expect(TIER_LIMITS.dev.memoryBytes).toBeLessThan(TIER_LIMITS.standard.memoryBytes);
    expect(TIER_LIMITS.standard.pids).toBeLessThan(TIER_LIMITS.premium.pids);
    expect(planDeployment({ slug: 'acme', tier: 'premium', sidecars: [] }).limits).toEqual(TIER_LIMITS.premium);
  });

  it('lets the spec override a sugar default', () => {
    const [sidecar] = planDeployment({
      slug: 'acme',
      tier: 'dev',
      sidecars: [{ ...postgres, env: { POSTGRES_USER: 'app', POSTGRES_DB: 'shop' } }],
    }).sidecars;
    expect(sidecar!.env).toMatchObject({ POSTGRES_USER: 'app', POSTGRES_DB: 'shop' });
  });

  it('lets the spec rename the catalog credential, and add credentials beyond it: both in the result', () => {
    const [sidecar] = planDeployment({
      slug: 'acme',
      tier: 'dev',
      sidecars: [
        {
          ...postgres,
          auto_credentials: [
            { name: 'APP_DB_ROOT', env: 'POSTGRES_PASSWORD' },
            { name: 'REPLICATION_PASSWORD' },
            { name: 'EXPORTER_TOKEN', env: 'EXPORTER_SECRET', delivery: 'env' },
          ],
        },
      ],
    }).sidecars;
    expect(sidecar!.credentials).toEqual([
      {
        name: 'APP_DB_ROOT',
        env: 'POSTGRES_PASSWORD',
        delivery: 'file',
        file: '/run/secrets/APP_DB_ROOT',
        setting: null,
      },
      {
        name: 'REPLICATION_PASSWORD',
        env: 'REPLICATION_PASSWORD',
        delivery: 'file',
        file: '/run/secrets/REPLICATION_PASSWORD',
        setting: null,
      },
      { name: 'EXPORTER_TOKEN', env: 'EXPORTER_SECRET', delivery: 'env', file: null, setting: null },
    ]);
    expect(sidecar!.env).toEqual({
      POSTGRES_USER: 'postgres',
      POSTGRES_PASSWORD_FILE: '/run/secrets/APP_DB_ROOT',
      REPLICATION_PASSWORD_FILE: '/run/secrets/REPLICATION_PASSWORD',
    });
  });

  it('gives redis a credential only when the spec declares one', () => {
    const plan = (spec: SidecarSpec) => planDeployment({ slug: 'acme', tier: 'dev', sidecars: [spec] });
    expect(plan({ name: 'cache', image: 'redis:7' }).sidecars[0]!.credentials).toEqual([]);
    expect(plan({ name: 'cache', image: 'redis:7' }).credentialTags).toEqual({});
    const declared = plan({ name: 'cache', image: 'redis:7', auto_credentials: [{ name: 'REDIS_PASSWORD' }] });
    expect(declared.sidecars[0]!.credentials.map((c) => c.name)).toEqual(['REDIS_PASSWORD']);
    expect(declared.credentialTags).toEqual({ provisioned_for_service: 'acme/cache' });
  });

  it('joins several sidecars’ endpoints and names each one the credentials were made for', () => {
    const plan = planDeployment({
      slug: 'acme',
      tier: 'dev',
      sidecars: [
        postgres,
        { name: 'cache', image: 'redis:7', ports: [{ container: 6379 }] },
        { name: 'docs', image: 'mongo:7' },
      ],
    });
    expect(plan.endpoint).toBe(
      'postgres://hearth-acme-postgres:5432/postgres,tcp://hearth-acme-cache:6379,mongodb://hearth-acme-docs:27017',
    );
    expect(plan.credentialTags).toEqual({ provisioned_for_service: 'acme/postgres,acme/docs' });
  });

  it('allows a bind mount of an ordinary host path under a bind root', () => {
    const [sidecar] = planDeployment({
      slug: 'acme',
      tier: 'dev',
      mounts: { roots: [{ path: '/srv/acme', writable: true }], guarded: [] },
      sidecars: [
        {
          ...postgres,
          volumes: [{ source: '/srv/acme//init/', target: '/docker-entrypoint-initdb.d', read_only: true }],
        },
      ],
    }).sidecars;
    expect(sidecar!.binds).toEqual([
      { source: '/srv/acme/init/', target: '/docker-entrypoint-initdb.d', readOnly: true },
    ]);
  });
});

describe('a plan is refused before anything starts', () => {
  it.each<[string, SidecarSpec[], string]>([
    [
      'a host port beside a generated credential',
      [{ ...postgres, ports: [{ container: 5432, host: 5432 }] }],
      ErrorCode.HostPortWithAutoCredential,
    ],
    [
      'a host port beside a declared credential',
      [
        {
          name: 'cache',
          image: 'redis',
          ports: [{ container: 6379, host: 6379 }],
          auto_credentials: [{ name: 'REDIS_PASSWORD' }],
        },
      ],
      ErrorCode.HostPortWithAutoCredential,
    ],
    [
      'a host port on a sidecar without credentials',
      [{ name: 'cache', image: 'redis', ports: [{ container: 6379, host: 6379 }] }],
      ErrorCode.HostPortUnsupported,
    ],
    ['a privileged sidecar', [{ ...postgres, privileged: true }], ErrorCode.PrivilegedRefused],
    [
      'a privileged sidecar outside the catalog',
      [{ name: 'x', image: 'busybox', privileged: true }],
      ErrorCode.PrivilegedRefused,
    ],
    ['the host network', [{ ...postgres, network_mode: 'host' }], ErrorCode.NetworkModeRefused],
    ['another container’s network', [{ ...postgres, network_mode: 'container:vault' }], ErrorCode.NetworkModeRefused],
    ['an added capability', [{ name: 'x', image: 'busybox', cap_add: ['NET_ADMIN'] }], ErrorCode.CapabilitiesRefused],
    [
      'a Docker socket mount',
      [{ name: 'x', image: 'busybox', volumes: [{ source: '/var/run/docker.sock', target: '/var/run/docker.sock' }] }],
      ErrorCode.MountRefused,
    ],
    [
      'a Docker socket mount by another path',
      [{ name: 'x', image: 'busybox', volumes: [{ source: '/run//docker.sock', target: '/s' }] }],
      ErrorCode.MountRefused,
    ],
    [
      'a mount of the directory holding the socket',
      [{ name: 'x', image: 'busybox', volumes: [{ source: '/var/run/', target: '/h' }] }],
      ErrorCode.MountRefused,
    ],
    [
      'a mount of any docker.sock',
      [{ name: 'x', image: 'busybox', volumes: [{ source: '/home/me/docker.sock', target: '/s' }] }],
      ErrorCode.MountRefused,
    ],
    [
      'a mount of /',
      [{ name: 'x', image: 'busybox', volumes: [{ source: '/', target: '/host' }] }],
      ErrorCode.MountRefused,
    ],
    [
      'a mount of / spelled otherwise',
      [{ name: 'x', image: 'busybox', volumes: [{ source: '/var/..//', target: '/host' }] }],
      ErrorCode.MountRefused,
    ],
    ...[
      '/proc',
      '/proc/1/root',
      '/sys',
      '/sys/fs/cgroup/',
      '/dev',
      '/dev/sda',
      '/var/lib/docker',
      '/var/lib/docker/volumes',
      '/var/lib',
      '/var/lib/containerd',
      '/run/docker.sock',
      '/run/containerd/containerd.sock',
    ].map((source): [string, SidecarSpec[], string] => [
      `a mount of ${source}`,
      [{ name: 'x', image: 'busybox', volumes: [{ source, target: '/h' }] }],
      ErrorCode.MountRefused,
    ]),
    [
      'a relative (named volume) source',
      [{ name: 'x', image: 'busybox', volumes: [{ source: 'data', target: '/data' }] }],
      ErrorCode.InvalidRequest,
    ],
    [
      'env setting the generated credential',
      [{ ...postgres, env: { POSTGRES_PASSWORD: 'chosen-by-hand' } }],
      ErrorCode.CredentialConflict,
    ],
    [
      'env pointing the generated credential elsewhere',
      [{ ...postgres, env: { POSTGRES_PASSWORD_FILE: '/etc/passwd' } }],
      ErrorCode.CredentialConflict,
    ],
    [
      'two sidecars generating the same credential name',
      [postgres, { name: 'replica', image: 'postgres:16' }],
      ErrorCode.CredentialConflict,
    ],
    [
      'two credentials of one sidecar in one variable',
      [
        {
          ...postgres,
          auto_credentials: [
            { name: 'A', env: 'X' },
            { name: 'B', env: 'X' },
          ],
        },
      ],
      ErrorCode.CredentialConflict,
    ],
    ['two sidecars of one name', [postgres, { ...postgres, image: 'redis' }], ErrorCode.InvalidRequest],
  ])('%s', (_, sidecars, code) => {
    expect(refusal(sidecars)?.code).toBe(code);
  });

  it('names the sidecar and the rule, in a message with no value from the spec’s env', () => {
    const refused = refusal([{ ...postgres, env: { POSTGRES_PASSWORD: 'chosen-by-hand' } }]);
    expect(refused?.message).toContain('postgres');
    expect(refused?.message).not.toContain('chosen-by-hand');
  });

  it('refuses the same sidecar two renamed credentials apart', () => {
    expect(
      refusal([
        postgres,
        {
          name: 'replica',
          image: 'postgres:16',
          auto_credentials: [{ name: 'REPLICA_PASSWORD', env: 'POSTGRES_PASSWORD' }],
        },
      ]),
    ).toBeNull();
  });
});

describe('a bind mount’s source is checked where it really is', () => {
  const plan = (source: string, resolved: string) =>
    planDeployment({
      slug: 'acme',
      tier: 'dev',
      sidecars: [{ name: 'x', image: 'busybox', volumes: [{ source, target: '/data' }] }],
      hostPaths: new Map([[source, resolved]]),
      mounts: { roots: [{ path: '/', writable: true }], guarded: [] },
    });
  const codeOf = (run: () => unknown) => {
    try {
      run();
      return null;
    } catch (error) {
      return (error as HearthError).code;
    }
  };

  it.each([
    ['/srv/tools/engine', '/run/docker.sock'],
    ['/home/me/s', '/var/run/docker.sock'],
    ['/srv/acme/state', '/var/lib/docker/volumes/other/_data'],
    ['/srv/acme/kernel', '/proc'],
    ['/srv/acme/sys', '/sys/kernel'],
    ['/srv/acme/devices', '/dev'],
    ['/srv/acme/all', '/'],
  ])('refuses %s, a symlink to %s', (source, resolved) => {
    expect(codeOf(() => plan(source, resolved))).toBe(ErrorCode.MountRefused);
  });

  it('names the path as spelled and where it resolves', () => {
    try {
      plan('/srv/tools/engine', '/run/docker.sock');
    } catch (error) {
      expect((error as Error).message).toContain('/run/docker.sock (/srv/tools/engine resolves to it)');
    }
    expect.assertions(1);
  });

  it('binds the resolved path, so the path checked is the path mounted', () => {
    expect(plan('/srv/acme/current', '/srv/acme/releases/7').sidecars[0]!.binds).toEqual([
      { source: '/srv/acme/releases/7', target: '/data', readOnly: false },
    ]);
  });

  it('still refuses a source whose spelling alone is refused, whatever it resolves to', () => {
    expect(codeOf(() => plan('/var/run/docker.sock', '/srv/harmless'))).toBe(ErrorCode.MountRefused);
  });
});

describe('binds come only from where the operator allows', () => {
  const policy: MountPolicy = {
    roots: [
      { path: '/srv/data', writable: true },
      { path: '/srv/conf', writable: false },
      { path: '/home/op', writable: true },
    ],
    guarded: ['/home/op/.hearth'],
  };
  const attempt = (
    volume: { source: string; target: string; read_only?: boolean },
    options: { image?: string; mounts?: MountPolicy; resolved?: string } = {},
  ) => {
    try {
      return planDeployment({
        slug: 'acme',
        tier: 'dev',
        sidecars: [SidecarSpec.parse({ name: 'x', image: options.image ?? 'busybox', volumes: [volume] })],
        mounts: options.mounts ?? policy,
        ...(options.resolved ? { hostPaths: new Map([[volume.source, options.resolved]]) } : {}),
      }).sidecars[0]!.binds;
    } catch (error) {
      return { refused: (error as HearthError).code, message: (error as HearthError).message };
    }
  };
  const refused = { refused: ErrorCode.MountRefused };

  it('binds nothing by default', () => {
    expect(attempt({ source: '/srv/data/x', target: '/data' }, { mounts: { roots: [], guarded: [] } })).toMatchObject({
      ...refused,
      message: expect.stringContaining('DRIVER_BIND_ROOTS') as unknown,
    });
  });

  it.each(['/etc', '/root', '/srv', '/srv/database', '/home'])('refuses %s, under no root', (source) => {
    expect(attempt({ source, target: '/h' })).toMatchObject(refused);
  });

  it.each(['/home/op/.hearth', '/home/op/.hearth/keys/root.json', '/home/op', '/home'])(
    'refuses %s: Hearth’s home, in it or around it',
    (source) => {
      expect(attempt({ source, target: '/h' })).toMatchObject(refused);
    },
  );

  it('refuses a symlink out of a root, and one into Hearth’s home', () => {
    expect(attempt({ source: '/srv/data/etc', target: '/h' }, { resolved: '/etc' })).toMatchObject(refused);
    expect(attempt({ source: '/srv/data/keys', target: '/h' }, { resolved: '/home/op/.hearth/keys' })).toMatchObject(
      refused,
    );
  });

  it.each(['/srv/data/../../etc', '/srv/data/x/..'])('refuses %s, which climbs', (source) => {
    expect(attempt({ source, target: '/h' })).toMatchObject(refused);
  });

  it.each(['/run/secrets', '/run/secrets/', '/run', '/', '/run/secrets/POSTGRES_PASSWORD', '/run/../run/secrets'])(
    'refuses a bind onto %s, where credentials are delivered',
    (target) => {
      expect(attempt({ source: '/srv/data/x', target }, { image: 'postgres:16' })).toMatchObject(refused);
    },
  );

  it.each([
    ['/srv/data/x', '/run/secrets:rw'],
    ['/srv/data/x:/run/secrets', '/data'],
    ['/srv/data/x', '/data,/run/secrets'],
  ])(
    'refuses %s onto %s, which would smuggle another target or mode into the engine’s bind syntax',
    (source, target) => {
      expect(attempt({ source, target }, { image: 'postgres:16' })).toMatchObject(refused);
    },
  );

  it('refuses a bind over the file a credential is delivered in by config', () => {
    expect(attempt({ source: '/srv/data/x', target: '/etc/rabbitmq/conf.d' }, { image: 'rabbitmq:3' })).toMatchObject(
      refused,
    );
  });

  it('binds read-only from a read-only root, whatever the spec asks; as asked from a writable one', () => {
    expect(attempt({ source: '/srv/conf/app', target: '/conf', read_only: false })).toEqual([
      { source: '/srv/conf/app', target: '/conf', readOnly: true },
    ]);
    expect(attempt({ source: '/srv/data/app', target: '/data' })).toEqual([
      { source: '/srv/data/app', target: '/data', readOnly: false },
    ]);
  });

  it('binds nothing for an image it cannot identify', () => {
    expect(attempt({ source: '/srv/data/app', target: '/data' }, { image: `sha256:${'c'.repeat(64)}` })).toMatchObject(
      refused,
    );
  });
});

describe('the catalog applies by the image’s identity', () => {
  const byId = `sha256:${'d'.repeat(64)}`;
  const attempt = (
    env: Record<string, string>,
    identity: { repoTags: string[]; labels: Record<string, string> } | null,
  ) => {
    try {
      return planDeployment({
        slug: 'acme',
        tier: 'dev',
        sidecars: [SidecarSpec.parse({ name: 'db', image: byId, env })],
        images: new Map([[byId, identity]]),
      }).sidecars[0];
    } catch (error) {
      return (error as HearthError).code;
    }
  };

  it('a postgres named by its id, known by its catalog label, gets postgres’s row', () => {
    const sidecar = attempt({}, { repoTags: [], labels: { [CATALOG_LABEL]: 'postgres' } });
    expect(sidecar).toMatchObject({
      known: 'postgres',
      credentials: [expect.objectContaining({ name: 'POSTGRES_PASSWORD' })],
    });
    expect(
      attempt({ POSTGRES_HOST_AUTH_METHOD: 'trust' }, { repoTags: [], labels: { [CATALOG_LABEL]: 'postgres' } }),
    ).toBe(ErrorCode.AuthWeakened);
  });

  it('a postgres named by its id, known by its tag, gets postgres’s row', () => {
    expect(attempt({ POSTGRES_HOST_AUTH_METHOD: 'trust' }, { repoTags: ['postgres:16'], labels: {} })).toBe(
      ErrorCode.AuthWeakened,
    );
  });

  it.each([
    ['POSTGRES_HOST_AUTH_METHOD', 'trust'],
    ['SOMEDB_HOST_AUTH_METHOD', 'trust'],
    ['ALLOW_EMPTY_PASSWORD', 'yes'],
    ['MYSQL_ALLOW_EMPTY_PASSWORD', '1'],
    ['MARIADB_ROOT_PASSWORD_HASH', 'x'],
    ['RABBITMQ_ERLANG_COOKIE', 'x'],
    ['xpack.security.enabled', 'false'],
  ])('an image it cannot identify may not set %s', (variable, value) => {
    expect(attempt({ [variable]: value }, { repoTags: [], labels: {} })).toBe(ErrorCode.AuthWeakened);
  });

  it('an image it cannot identify may still set what weakens nothing', () => {
    expect(attempt({ TZ: 'UTC' }, { repoTags: [], labels: {} })).toMatchObject({ known: null });
  });
});
