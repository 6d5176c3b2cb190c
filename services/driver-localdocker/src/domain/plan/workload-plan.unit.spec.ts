import { describe, expect, it } from '@jest/globals';
import { ErrorCode, HearthError, SidecarSpec, WorkloadSpec } from '@hearth/contracts';
import { DELIVERED_MARKER, WORKLOAD_INIT } from '../workload/delivery.js';
import { planDeployment, type EngineImage } from './deployment-plan.js';
import { tmpfsOptions } from './workload-plan.js';

const postgres = { name: 'db', image: 'postgres:15' };
const agent = { name: 'agent', image: 'acme/agent:1', command: ['run-agent', '--fast'] };
const POSTGRES_NAMES = [
  'POSTGRES_DATABASE',
  'POSTGRES_HOST',
  'POSTGRES_PASSWORD',
  'POSTGRES_PORT',
  'POSTGRES_USERNAME',
];

function plan(
  workloads: Array<Record<string, unknown>>,
  sidecars: Array<Record<string, unknown>> = [postgres],
  images?: ReadonlyMap<string, EngineImage | null>,
) {
  return planDeployment({
    slug: 'acme',
    tier: 'dev',
    sidecars: sidecars.map((s) => SidecarSpec.parse(s)),
    workloads: workloads.map((w) => WorkloadSpec.parse(w)),
    mounts: { roots: [{ path: '/srv', writable: true }], guarded: [] },
    ...(images === undefined ? {} : { images }),
  });
}

function refusal(workload: Record<string, unknown>, sidecars?: Array<Record<string, unknown>>) {
  try {
    plan([workload], sidecars);
    return null;
  } catch (error) {
    if (!(error instanceof HearthError)) throw error;
    return { code: error.code, message: error.message };
  }
}

describe('a workload in the plan', () => {
  it('gets its env_refs and every name its sidecars’ credential offers, each as a file its _FILE names', () => {
    const [workload] = plan([{ ...agent, env_refs: ['OPENAI_API_KEY'], env: { MODE: 'batch' } }]).workloads;
    expect(workload).toEqual({
      name: 'agent',
      container: 'hearth-acme-agent',
      image: 'acme/agent:1',
      env: {
        MODE: 'batch',
        OPENAI_API_KEY_FILE: '/run/secrets/OPENAI_API_KEY',
        ...Object.fromEntries(POSTGRES_NAMES.map((n) => [`${n}_FILE`, `/run/secrets/${n}`])),
      },
      names: ['OPENAI_API_KEY', ...POSTGRES_NAMES],
      entrypoint: [WORKLOAD_INIT, 'files'],
      command: ['run-agent', '--fast'],
      tmpfs: { '/run/secrets': 'rw,noexec,nosuid,nodev,size=1m,mode=0700' },
      readiness: `test -e ${DELIVERED_MARKER}`,
      exposedPorts: [],
      binds: [],
    });
  });

  it('holds no value in its environment: every variable is the spec’s own or a path under /run/secrets', () => {
    const [workload] = plan([{ ...agent, env_refs: ['GITHUB_TOKEN'], env: { MODE: 'batch' } }]).workloads;
    for (const [name, value] of Object.entries(workload!.env)) {
      expect(name === 'MODE' ? value : value.startsWith('/run/secrets/') && name.endsWith('_FILE')).toBe(
        name === 'MODE' ? 'batch' : true,
      );
    }
  });

  it('gets a generic sidecar credential by its names, and nothing automatic without a generated one', () => {
    const redis = { name: 'cache', image: 'redis:7', auto_credentials: [{ name: 'REDIS_PASSWORD' }] };
    expect(plan([agent], [redis]).workloads[0]!.names).toEqual(['REDIS_PASSWORD']);
    expect(plan([agent], []).workloads[0]!.names).toEqual([]);
  });

  it('asks the init to load the values into the environment when secrets_as_env is set', () => {
    expect(plan([{ ...agent, secrets_as_env: true }]).workloads[0]!.entrypoint).toEqual([WORKLOAD_INIT, 'env']);
  });

  it('runs the image’s entrypoint and command when the spec names none, and refuses an image without either', () => {
    const runtime = { entrypoint: ['/entry.sh'], cmd: ['serve'], user: '1000:1000' };
    const images = new Map<string, EngineImage | null>([
      ['postgres:15', { repoTags: ['postgres:15'], labels: {} }],
      ['acme/agent:1', { repoTags: ['acme/agent:1'], labels: {}, runtime }],
    ]);
    const [workload] = plan([{ name: 'agent', image: 'acme/agent:1' }], [postgres], images).workloads;
    expect(workload!.command).toEqual(['/entry.sh', 'serve']);
    expect(workload!.tmpfs['/run/secrets']).toContain('uid=1000,gid=1000');
    expect(refusal({ name: 'agent', image: 'acme/agent:1' })).toMatchObject({ code: ErrorCode.InvalidRequest });
  });

  it('puts the deployment’s typed sidecar credential in the vault tagged with its env prefix', () => {
    expect(plan([agent]).credentialTags).toEqual({ provisioned_for_service: 'acme/db', env_prefix: 'POSTGRES' });
  });
});

describe('a workload is refused what a sidecar is refused', () => {
  it.each([
    ['privileged mode', { privileged: true }, ErrorCode.PrivilegedRefused],
    ['the host network', { network_mode: 'host' }, ErrorCode.NetworkModeRefused],
    ['added capabilities', { cap_add: ['NET_ADMIN'] }, ErrorCode.CapabilitiesRefused],
    ['a host port', { ports: [{ container: 8080, host: 8080 }] }, ErrorCode.HostPortUnsupported],
    ['the engine’s socket', { volumes: [{ source: '/var/run/docker.sock', target: '/d' }] }, ErrorCode.MountRefused],
    ['a bind from outside the roots', { volumes: [{ source: '/etc', target: '/e' }] }, ErrorCode.MountRefused],
    ['a bind over its secrets', { volumes: [{ source: '/srv/x', target: '/run/secrets' }] }, ErrorCode.MountRefused],
    ['a bind over /run', { volumes: [{ source: '/srv/x', target: '/run' }] }, ErrorCode.MountRefused],
    ['a bind over its init', { volumes: [{ source: '/srv/x', target: '/hearth' }] }, ErrorCode.MountRefused],
    ['an env setting a delivered _FILE', { env: { POSTGRES_PASSWORD_FILE: '/tmp/x' } }, ErrorCode.CredentialConflict],
    ['an env setting a delivered name', { env: { POSTGRES_HOST: 'elsewhere' } }, ErrorCode.CredentialConflict],
  ] as const)('%s', (_what, options, code) => {
    const refused = refusal({ ...agent, ...options });
    expect(refused).toMatchObject({ code });
    expect(refused!.message).toMatch(/^workload agent: /);
  });

  it('binds from a root the operator allows, elsewhere than where values are delivered', () => {
    const [workload] = plan([{ ...agent, volumes: [{ source: '/srv/data', target: '/data' }] }]).workloads;
    expect(workload!.binds).toEqual([{ source: '/srv/data', target: '/data', readOnly: false }]);
  });

  it('shares no name with a sidecar', () => {
    expect(refusal({ ...agent, name: 'db' })).toMatchObject({ code: ErrorCode.InvalidRequest });
  });
});

describe('the tmpfs the values live in', () => {
  it.each([
    ['', 'mode=0700'],
    ['root', 'mode=0700'],
    ['0:0', 'mode=0700'],
    ['1000', 'mode=0700,uid=1000'],
    ['1000:2000', 'mode=0700,uid=1000,gid=2000'],
    ['postgres', 'mode=1733'],
  ])('is owned by whom the image runs as (%j)', (user, owner) => {
    expect(tmpfsOptions(user)).toBe(`rw,noexec,nosuid,nodev,size=1m,${owner}`);
  });
});
