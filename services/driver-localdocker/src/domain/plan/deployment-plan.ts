import { posix } from 'node:path';
import { ErrorCode, HearthError, SIDECAR_TAG, type SidecarSpec, type Tier } from '@hearth/contracts';
import { recogniseImage, type ImageIdentity, type ImageRecognition } from '../catalog/image-name.js';
import { KNOWN_SIDECARS, WEAKENING_ENV, type KnownSidecar } from '../catalog/known-sidecars.js';
import { containerName, networkName, workspaceSecretPath } from '../naming.js';

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
  binds: Array<{ source: string; target: string; readOnly: boolean }>;
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
}

export interface DeploymentPlan {
  slug: string;
  network: string;
  vaultPath: string;
  typed: TypedCredential | null;
  limits: ResourceLimits;
  sidecars: SidecarPlan[];
  /** What the deployment answers with: the sidecars' endpoints on the workspace network. */
  endpoint: string;
  /** Tags of the vault secret: who the credentials were provisioned for. */
  credentialTags: Record<string, string>;
}

const MiB = 1024 * 1024;

/** Per-container limits by tier: memory (no swap beyond it) and process count. */
export const TIER_LIMITS: Readonly<Record<Tier, ResourceLimits>> = {
  dev: { memoryBytes: 512 * MiB, pids: 256 },
  standard: { memoryBytes: 1024 * MiB, pids: 512 },
  premium: { memoryBytes: 2048 * MiB, pids: 1024 },
};

/**
 * Host paths a sidecar may not mount, nor anything inside them, nor any directory holding them: the
 * engine's sockets and state hand it the container engine (so the host), /proc, /sys and /dev the
 * kernel and the host's devices.
 */
const PROTECTED_HOST_PATHS: ReadonlyArray<readonly [string, string]> = [
  ['/var/run/docker.sock', 'the container engine'],
  ['/run/docker.sock', 'the container engine'],
  ['/run/containerd/containerd.sock', 'the container engine'],
  ['/var/lib/docker', "the container engine's state"],
  ['/var/lib/containerd', "the container engine's state"],
  ['/proc', "the host's processes"],
  ['/sys', "the host's kernel settings"],
  ['/dev', "the host's devices"],
];

/** A host directory under which sidecars may bind, as the operator configured it (DRIVER_BIND_ROOTS). */
export interface BindRoot {
  /** Absolute, resolved on the host (symlinks followed). */
  path: string;
  /** False: everything bound from under it is read-only, whatever the spec asks. */
  writable: boolean;
}

/**
 * Where binds may come from: only from under `roots` (none: no bind at all), never from in or
 * around `guarded` (Hearth's home: its keys and tokens), both resolved on the host.
 */
export interface MountPolicy {
  roots: readonly BindRoot[];
  guarded: readonly string[];
}

/** No bind mounts at all: the default. */
export const NO_BINDS: MountPolicy = { roots: [], guarded: [] };

export interface PlanRequest {
  slug: string;
  tier: Tier;
  sidecars: readonly SidecarSpec[];
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
  images?: ReadonlyMap<string, ImageIdentity | null>;
}

/**
 * Resolves a deployment's sidecars against the catalog and refuses, before anything is created or
 * written, what the driver must never start: privileged containers, another network mode than the
 * workspace's bridge, added capabilities, mounts of `/`, of the engine's socket or state, of /proc,
 * /sys or /dev (as spelled or through a symlink), mounts from outside the operator's bind roots or
 * of Hearth's home, mounts over where credentials are delivered, host ports
 * (beside generated credentials above all), a spec that sets a generated credential itself, one
 * that weakens how the image checks it, and one that would put a credential the image can read
 * from a file into its env.
 */
export function planDeployment(request: PlanRequest): DeploymentPlan {
  const names = request.sidecars.map((s) => s.name);
  if (new Set(names).size !== names.length) {
    throw new HearthError(ErrorCode.InvalidRequest, 'sidecar names must be unique');
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
  return {
    slug: request.slug,
    network: networkName(request.slug),
    vaultPath: workspaceSecretPath(request.slug),
    typed: typedCredentialOf(sidecars),
    limits: TIER_LIMITS[request.tier],
    sidecars,
    endpoint: sidecars.length > 0 ? sidecars.map((s) => s.endpoint).join(',') : networkName(request.slug),
    credentialTags: provisionedFor.length > 0 ? { [SIDECAR_TAG]: provisionedFor.join(',') } : {},
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
  };
}

interface SidecarContext {
  hostPaths: ReadonlyMap<string, string>;
  mounts: MountPolicy;
  image: ImageRecognition;
}

function planSidecar(slug: string, spec: SidecarSpec, context: SidecarContext): SidecarPlan {
  refuseUnsafeOptions(spec);
  const { known } = context.image;
  const credentials = credentialsOf(spec, known);
  const binds = bindsOf(spec, credentials, context);
  const published = (spec.ports ?? []).filter((p) => p.host !== undefined);
  if (published.length > 0) {
    throw credentials.length > 0
      ? new HearthError(
          ErrorCode.HostPortWithAutoCredential,
          `sidecar ${spec.name}: a host port beside a generated credential is refused; the workspace network is its only boundary`,
        )
      : new HearthError(
          ErrorCode.HostPortUnsupported,
          `sidecar ${spec.name}: host ports are not published; sidecars sit on an internal network`,
        );
  }
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

function refuseUnsafeOptions(spec: SidecarSpec): void {
  const refuse = (code: ErrorCode, why: string) => new HearthError(code, `sidecar ${spec.name}: ${why}`);
  if (spec.privileged) throw refuse(ErrorCode.PrivilegedRefused, 'privileged mode is refused');
  if (spec.network_mode !== undefined && spec.network_mode !== 'bridge') {
    throw refuse(
      ErrorCode.NetworkModeRefused,
      `network mode ${spec.network_mode} is refused; a sidecar joins its workspace's internal network only`,
    );
  }
  if (spec.cap_add && spec.cap_add.length > 0) {
    throw refuse(ErrorCode.CapabilitiesRefused, `added capabilities (${spec.cap_add.join(', ')}) are refused`);
  }
}

/**
 * The spec's volumes as binds, each checked: absolute paths without `..`, `:` or `,`; a source neither the
 * engine's socket or state nor the kernel's or devices' (as spelled and as resolved), nor in or
 * around Hearth's home, and under a root the operator allows (as resolved: a symlink out of a root
 * is out of it); a target that covers no file the driver delivers a credential to (a bind there
 * would put the generated value on the host); an image the driver can identify. A read-only root
 * binds read-only.
 */
function bindsOf(
  spec: SidecarSpec,
  credentials: readonly PlannedCredential[],
  { hostPaths, mounts, image }: SidecarContext,
): SidecarPlan['binds'] {
  const refuse = (code: ErrorCode, why: string) => new HearthError(code, `sidecar ${spec.name}: ${why}`);
  const volumes = spec.volumes ?? [];
  if (volumes.length > 0 && !image.identified) {
    throw refuse(ErrorCode.MountRefused, `image ${spec.image} carries no name the driver knows; it gets no bind mount`);
  }
  const delivered = [SECRETS_DIR, ...credentials.flatMap((c) => (c.file === null ? [] : [posix.dirname(c.file)]))];
  return volumes.map((volume) => {
    if (!volume.source.startsWith('/') || !volume.target.startsWith('/')) {
      throw refuse(ErrorCode.InvalidRequest, 'a volume binds an absolute host path to an absolute container path');
    }
    if ([volume.source, volume.target].some((path) => path.split('/').includes('..'))) {
      throw refuse(ErrorCode.MountRefused, 'a volume path may not climb with ..');
    }
    // The engine's bind syntax is `source:target[:mode]`: a `:` would smuggle in another target or mode.
    if ([volume.source, volume.target].some((path) => path.includes(':') || path.includes(','))) {
      throw refuse(ErrorCode.MountRefused, 'a volume path may not hold : or ,');
    }
    const resolved = hostPaths.get(volume.source);
    for (const path of [volume.source, ...(resolved === undefined ? [] : [resolved])]) {
      const why =
        refusedHostPath(path) ?? (mounts.guarded.some((g) => overlaps(path, g)) ? "Hearth's keys and tokens" : null);
      if (why !== null) {
        const via = path === volume.source ? '' : ` (${volume.source} resolves to it)`;
        throw refuse(ErrorCode.MountRefused, `mounting ${canonical(path)}${via} would hand the sidecar ${why}`);
      }
    }
    const source = resolved ?? posix.normalize(volume.source);
    const root = mounts.roots.find((r) => within(canonical(source), canonical(r.path)));
    if (root === undefined) {
      throw refuse(
        ErrorCode.MountRefused,
        `${canonical(source)} is under no bind root the operator allows (DRIVER_BIND_ROOTS)`,
      );
    }
    const onto = delivered.find((path) => overlaps(volume.target, path));
    if (onto !== undefined) {
      throw refuse(
        ErrorCode.MountRefused,
        `a bind onto ${canonical(volume.target)} would cover ${onto}, where the driver delivers credentials`,
      );
    }
    return { source, target: volume.target, readOnly: (volume.read_only ?? false) || !root.writable };
  });
}

/** True when `inner` is `outer` or below it (both canonical). */
function within(inner: string, outer: string): boolean {
  return inner === outer || inner.startsWith(outer === '/' ? '/' : `${outer}/`);
}

/** True when either path is the other or below it. */
function overlaps(a: string, b: string): boolean {
  const [x, y] = [canonical(a), canonical(b)];
  return within(x, y) || within(y, x);
}

/** `path` normalised, without a trailing slash (but `/` stays `/`). */
function canonical(path: string): string {
  return posix.normalize(path).replace(/(.)\/+$/, '$1');
}

/** Why a sidecar may not mount the host path `path`, or null. */
function refusedHostPath(path: string): string | null {
  const source = canonical(path);
  if (source === '/') return "the host's root file system";
  if (posix.basename(source) === 'docker.sock') return 'the container engine';
  const hit = PROTECTED_HOST_PATHS.find(([guarded]) => within(source, guarded) || within(guarded, source));
  return hit?.[1] ?? null;
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
