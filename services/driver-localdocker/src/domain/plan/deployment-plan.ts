import { posix } from 'node:path';
import {
  ENV_PREFIX_TAG,
  ErrorCode,
  GENERIC_TYPE,
  HearthError,
  offeredNames,
  SIDECAR_TAG,
  type SidecarSpec,
  type Tier,
  type WorkloadSpec,
} from '@hearth/contracts';
import { recogniseImage, type ImageIdentity, type ImageRecognition } from '../catalog/image-name.js';
import { KNOWN_SIDECARS, WEAKENING_ENV, type KnownSidecar } from '../catalog/known-sidecars.js';
import { containerName, networkName, workspaceSecretPath } from '../naming.js';
import {
  bindsOf,
  NO_BINDS,
  refuseHostPorts,
  refuseUnsafeOptions,
  type Bind,
  type ContainerOf,
  type MountPolicy,
} from './container-rules.js';
import { planWorkload, type ImageRuntime, type WorkloadPlan } from './workload-plan.js';

/** Where a credential delivered by file sits inside its container. */
export const SECRETS_DIR = '/run/secrets';

export interface PlannedCredential {
  /** The value's name in the vault. */
  name: string;
  /** The variable the image reads. */
  env: string;
  /**
   * `file`: in the file `<env>_FILE` names; `config`: in a settings file the image reads by itself
   * (its catalog row's); `env`: in `<env>`, only where the spec asks so for a credential outside the
   * catalog's.
   */
  delivery: 'file' | 'config' | 'env';
  /** The file put into the container before it starts, for delivery by file or config. */
  file: string | null;
  /** For delivery by config: the setting the file's one line assigns the value to. */
  setting: string | null;
}

/** What the credential's file holds: the value, or for delivery by config the line `<setting> = <value>`. */
export function credentialFileContent(credential: Pick<PlannedCredential, 'setting'>, value: string): string {
  return credential.setting === null ? value : `${credential.setting} = ${value}\n`;
}

export interface ResourceLimits {
  memoryBytes: number;
  pids: number;
}

export interface SidecarPlan {
  name: string;
  container: string;
  image: string;
  /** The catalog row the image matched, by its base name, or null. */
  known: string | null;
  /** Everything the container's environment holds except values delivered by env: sugar, the spec's env, `<env>_FILE` pointers. */
  env: Record<string, string>;
  credentials: PlannedCredential[];
  /** Shell line run inside the container; exit 0 means ready. Null: ready once running. */
  readiness: string | null;
  endpoint: string;
  exposedPorts: string[];
  binds: Bind[];
}

/**
 * The workspace's credential as the vault types it: where its one generated value is the catalog's
 * credential of one sidecar, the row's type with the fields clients need (host = the name they reach
 * the sidecar by on the workspace network); the generated value is its `password`. Anything else
 * (credentials declared by auto_credentials, several sidecars generating) stays `generic`, one value
 * per name.
 */
export interface TypedCredential {
  type: KnownSidecar['typed']['type'];
  /** The type's fields besides the password, as strings. */
  fields: Record<string, string>;
  /** The planned credential whose generated value is the password. */
  name: string;
  /**
   * What its names start with for a workload (tag `env_prefix`): the catalog variable without its
   * last part (POSTGRES_PASSWORD → POSTGRES), so the workload gets POSTGRES_PASSWORD, POSTGRES_HOST…
   */
  envPrefix: string;
}

export interface DeploymentPlan {
  slug: string;
  network: string;
  vaultPath: string;
  typed: TypedCredential | null;
  limits: ResourceLimits;
  sidecars: SidecarPlan[];
  /** The deployment's own work, started once its sidecars are ready. */
  workloads: WorkloadPlan[];
  /** What the deployment answers with: the sidecars' endpoints on the workspace network. */
  endpoint: string;
  /** Tags of the vault secret: who the credentials were provisioned for, and the typed one's env prefix. */
  credentialTags: Record<string, string>;
}

/** What the engine says an image is, and how it runs (for a workload naming no command). */
export interface EngineImage extends ImageIdentity {
  readonly runtime?: ImageRuntime;
}

const MiB = 1024 * 1024;

/** Per-container limits by tier: memory (no swap beyond it) and process count. */
export const TIER_LIMITS: Readonly<Record<Tier, ResourceLimits>> = {
  dev: { memoryBytes: 512 * MiB, pids: 256 },
  standard: { memoryBytes: 1024 * MiB, pids: 512 },
  premium: { memoryBytes: 2048 * MiB, pids: 1024 },
};

export interface PlanRequest {
  slug: string;
  tier: Tier;
  sidecars: readonly SidecarSpec[];
  workloads?: readonly WorkloadSpec[];
  /**
   * Each volume's host source (as the spec spells it) resolved on the host, symlinks followed, by
   * the app layer before planning: the domain does no I/O, and a path is checked both as spelled and
   * as resolved, so a link to /var/run/docker.sock is refused like the socket. The resolved path is
   * what gets bound. A source missing here is checked and bound as spelled.
   */
  hostPaths?: ReadonlyMap<string, string>;
  /** Where binds may come from; NO_BINDS by default. */
  mounts?: MountPolicy;
  /**
   * What the engine says each image is, by the spec's reference (null: it has no such image), so
   * the catalog applies by identity; without it, by the reference's name.
   */
  images?: ReadonlyMap<string, EngineImage | null>;
}

/**
 * Resolves a deployment's sidecars against the catalog and refuses, before anything is created or
 * written, what the driver must never start: privileged containers, another network mode than the
 * workspace's bridge, added capabilities, mounts of `/`, of the engine's socket or state, of /proc,
 * /sys or /dev (as spelled or through a symlink), mounts from outside the operator's bind roots or
 * of Hearth's home, mounts over where credentials are delivered, host ports
 * (beside generated credentials above all), a spec that sets a generated credential itself, one
 * that weakens how the image checks it, and one that would put a credential the image can read
 * from a file into its env. Workloads are held to the same container rules (workload-plan.ts).
 */
export function planDeployment(request: PlanRequest): DeploymentPlan {
  const names = [...request.sidecars, ...(request.workloads ?? [])].map((s) => s.name);
  if (new Set(names).size !== names.length) {
    throw new HearthError(ErrorCode.InvalidRequest, 'sidecar and workload names must be unique');
  }
  const sidecars = request.sidecars.map((spec) =>
    planSidecar(request.slug, spec, {
      hostPaths: request.hostPaths ?? new Map(),
      mounts: request.mounts ?? NO_BINDS,
      image: recogniseImage(spec.image, request.images?.get(spec.image)),
    }),
  );
  const owners = new Map<string, string>();
  for (const sidecar of sidecars) {
    for (const credential of sidecar.credentials) {
      const other = owners.get(credential.name);
      if (other !== undefined) {
        throw new HearthError(
          ErrorCode.CredentialConflict,
          `sidecars ${other} and ${sidecar.name} both generate ${credential.name}; rename one with auto_credentials`,
        );
      }
      owners.set(credential.name, sidecar.name);
    }
  }
  const provisionedFor = sidecars.filter((s) => s.credentials.length > 0).map((s) => `${request.slug}/${s.name}`);
  const typed = typedCredentialOf(sidecars);
  const vaultPath = workspaceSecretPath(request.slug);
  const credentialTags: Record<string, string> = {
    ...(provisionedFor.length > 0 ? { [SIDECAR_TAG]: provisionedFor.join(',') } : {}),
    ...(typed === null ? {} : { [ENV_PREFIX_TAG]: typed.envPrefix }),
  };
  // The names the vault will offer for the sidecars' credential, computed as it computes them.
  const sidecarNames =
    owners.size === 0
      ? []
      : [
          ...offeredNames({
            path: vaultPath,
            type: typed?.type ?? GENERIC_TYPE,
            valueNames: typed === null ? [...owners.keys()] : [...Object.keys(typed.fields), 'password'],
            tags: credentialTags,
          }).keys(),
        ];
  const workloads = (request.workloads ?? []).map((spec) => {
    const image = request.images?.get(spec.image);
    return planWorkload(spec, {
      slug: request.slug,
      sidecarNames,
      runtime: image?.runtime ?? null,
      hostPaths: request.hostPaths ?? new Map(),
      mounts: request.mounts ?? NO_BINDS,
      identified: recogniseImage(spec.image, image).identified,
    });
  });
  return {
    slug: request.slug,
    network: networkName(request.slug),
    vaultPath,
    typed,
    limits: TIER_LIMITS[request.tier],
    sidecars,
    workloads,
    endpoint: sidecars.length > 0 ? sidecars.map((s) => s.endpoint).join(',') : networkName(request.slug),
    credentialTags,
  };
}

function typedCredentialOf(sidecars: readonly SidecarPlan[]): TypedCredential | null {
  const generating = sidecars.filter((s) => s.credentials.length > 0);
  if (generating.length !== 1) return null;
  const [sidecar] = generating as [SidecarPlan];
  const row = KNOWN_SIDECARS.find((r) => r.image === sidecar.known);
  const [credential, ...more] = sidecar.credentials;
  if (row === undefined || more.length > 0 || credential!.env !== row.credential.env) return null;
  const { type, user, database } = row.typed;
  const username = 'env' in user ? sidecar.env[user.env]! : user.name;
  const place: Record<string, string> =
    type === 'http_basic'
      ? { url: `https://${sidecar.container}:${row.endpoint.port}` }
      : { host: sidecar.container, port: String(row.endpoint.port) };
  return {
    type,
    fields: { ...place, username, ...(database === undefined ? {} : { database }) },
    name: credential!.name,
    envPrefix: row.credential.env.replace(/_[^_]*$/, ''),
  };
}

interface SidecarContext {
  hostPaths: ReadonlyMap<string, string>;
  mounts: MountPolicy;
  image: ImageRecognition;
}

function planSidecar(slug: string, spec: SidecarSpec, context: SidecarContext): SidecarPlan {
  const rules: ContainerOf = { kind: 'sidecar', spec };
  refuseUnsafeOptions(rules);
  const { known } = context.image;
  const credentials = credentialsOf(spec, known);
  const delivered = [SECRETS_DIR, ...credentials.flatMap((c) => (c.file === null ? [] : [posix.dirname(c.file)]))];
  const binds = bindsOf(rules, delivered, { ...context, identified: context.image.identified });
  if (credentials.length > 0) {
    refuseHostPorts(
      rules,
      ErrorCode.HostPortWithAutoCredential,
      'a host port beside a generated credential is refused; the workspace network is its only boundary',
    );
  }
  refuseHostPorts(
    rules,
    ErrorCode.HostPortUnsupported,
    'host ports are not published; sidecars sit on an internal network',
  );
  refuseWeakenedAuthentication(spec, context.image, credentials);
  const env: Record<string, string> = { ...known?.sugar, ...spec.env };
  for (const credential of credentials) {
    if (credential.delivery === 'file') env[`${credential.env}_FILE`] = credential.file!;
  }
  const container = containerName(slug, spec.name);
  const ports = [
    ...(known ? [`${known.endpoint.port}/tcp`] : []),
    ...(spec.ports ?? []).map((p) => `${p.container}/${p.protocol ?? 'tcp'}`),
  ];
  return {
    name: spec.name,
    container,
    image: spec.image,
    known: known?.image ?? null,
    env,
    credentials,
    readiness: known?.readiness ?? null,
    endpoint: endpointOf(container, known, spec),
    exposedPorts: [...new Set(ports)],
    binds,
  };
}

/**
 * A generated credential is worth something only while the image checks it. The spec's env is merged
 * over the sugar, so it is checked first: it may set neither a credential's variable nor its `_FILE`
 * (either hands the image a value the vault never saw), nor a switch the catalog row forbids (trust,
 * empty or random passwords, security off) — for an image the driver cannot identify, any row's or
 * WEAKENING_ENV's —, nor blank a sugar default (mongo turns authentication on only when its root
 * user is set). Messages name the variable, never the value.
 */
function refuseWeakenedAuthentication(
  spec: SidecarSpec,
  { known, identified }: ImageRecognition,
  credentials: readonly PlannedCredential[],
): void {
  const env = spec.env ?? {};
  const sets = (variable: string) => Object.hasOwn(env, variable);
  for (const credential of credentials) {
    for (const variable of [credential.env, `${credential.env}_FILE`]) {
      if (sets(variable)) {
        throw new HearthError(
          ErrorCode.CredentialConflict,
          `sidecar ${spec.name}: env sets ${variable}, which the driver generates and keeps in the vault`,
        );
      }
    }
  }
  if (!identified) {
    const weakening = Object.keys(env).find(
      (variable) =>
        WEAKENING_ENV.some((pattern) => pattern.test(variable)) ||
        KNOWN_SIDECARS.some((row) => row.forbiddenEnv.includes(variable)),
    );
    if (weakening !== undefined) {
      throw new HearthError(
        ErrorCode.AuthWeakened,
        `sidecar ${spec.name}: env sets ${weakening}, which weakens a login; ${spec.image} carries no name the driver knows, so every image's rules apply`,
      );
    }
  }
  if (known === null) return;
  const forbidden = known.forbiddenEnv.find(sets);
  if (forbidden !== undefined) {
    throw new HearthError(
      ErrorCode.AuthWeakened,
      `sidecar ${spec.name}: env sets ${forbidden}, which would let ${known.image} accept a login without its generated credential`,
    );
  }
  const blanked = Object.keys(known.sugar).find((variable) => sets(variable) && env[variable]!.trim() === '');
  if (blanked !== undefined) {
    throw new HearthError(
      ErrorCode.AuthWeakened,
      `sidecar ${spec.name}: env blanks ${blanked}; a sugar default may be overridden, not emptied`,
    );
  }
}

/**
 * The catalog's credential (renamed by an `auto_credentials` entry for the same variable) and every
 * other declared entry; an image outside the catalog gets only the latter. The catalog's credential
 * is delivered as its row says: asking for `env` is refused, and `file` (not by env) is what a row
 * delivering by config does already, the image reading no `_FILE` for it.
 */
function credentialsOf(spec: SidecarSpec, known: KnownSidecar | null): PlannedCredential[] {
  const declared = (spec.auto_credentials ?? []).map((d) => ({
    name: d.name,
    env: d.env ?? d.name,
    delivery: d.delivery,
  }));
  const catalog = known ? [known.credential] : [];
  const resolved = [
    ...catalog.map((c) => {
      const override = declared.find((d) => d.env === c.env);
      if (override?.delivery === 'env') {
        // By env the value would sit in the container's config, readable by `docker inspect`.
        const how = c.config ? `in ${c.config.file}` : `by file (${c.env}_FILE)`;
        throw new HearthError(
          ErrorCode.CredentialByEnvRefused,
          `sidecar ${spec.name}: ${c.env} is delivered ${how}, which the image reads; by env it would show in docker inspect`,
        );
      }
      return {
        name: override?.name ?? c.name,
        env: c.env,
        delivery: c.delivery,
        file: c.config?.file ?? `${SECRETS_DIR}/${override?.name ?? c.name}`,
        setting: c.config?.setting ?? null,
      };
    }),
    ...declared
      .filter((d) => !catalog.some((c) => c.env === d.env))
      .map((d) => {
        const delivery = d.delivery ?? 'file';
        return { ...d, delivery, file: delivery === 'file' ? `${SECRETS_DIR}/${d.name}` : null, setting: null };
      }),
  ];
  for (const key of ['name', 'env'] as const) {
    const values = resolved.map((c) => c[key]);
    const repeated = values.find((v, i) => values.indexOf(v) !== i);
    if (repeated !== undefined) {
      throw new HearthError(
        ErrorCode.CredentialConflict,
        `sidecar ${spec.name}: two credentials share ${key} ${repeated}`,
      );
    }
  }
  return resolved;
}

function endpointOf(container: string, known: KnownSidecar | null, spec: SidecarSpec): string {
  if (known) return `${known.endpoint.scheme}://${container}:${known.endpoint.port}${known.endpoint.path}`;
  const port = spec.ports?.[0];
  return port ? `tcp://${container}:${port.container}` : container;
}
