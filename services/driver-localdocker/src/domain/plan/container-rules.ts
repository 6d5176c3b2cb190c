import { posix } from 'node:path';
import { ErrorCode, HearthError, type SidecarSpec } from '@hearth/contracts';

/**
 * The rules every container of a deployment is held to, sidecar or workload alike: one place, so a
 * workload can never be started with what a sidecar is refused.
 */

/**
 * Host paths a container may not mount, nor anything inside them, nor any directory holding them: the
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

/** A host directory under which containers may bind, as the operator configured it (DRIVER_BIND_ROOTS). */
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

/**
 * Refuses what no container of a deployment may have, sidecar or workload: privileged mode, another
 * network mode than the workspace's bridge, added capabilities.
 */
export function refuseUnsafeOptions({ kind, spec }: ContainerOf): void {
  const refuse = (code: ErrorCode, why: string) => new HearthError(code, `${kind} ${spec.name}: ${why}`);
  if (spec.privileged) throw refuse(ErrorCode.PrivilegedRefused, 'privileged mode is refused');
  if (spec.network_mode !== undefined && spec.network_mode !== 'bridge') {
    throw refuse(
      ErrorCode.NetworkModeRefused,
      `network mode ${spec.network_mode} is refused; a ${kind} joins its workspace's internal network only`,
    );
  }
  if (spec.cap_add && spec.cap_add.length > 0) {
    throw refuse(ErrorCode.CapabilitiesRefused, `added capabilities (${spec.cap_add.join(', ')}) are refused`);
  }
}

/**
 * Refuses a published host port: the workspace's internal network is a container's only way in.
 * `code` and `why` say what it would breach (beside a generated credential: a code of its own).
 */
export function refuseHostPorts({ kind, spec }: ContainerOf, code: ErrorCode, why: string): void {
  if ((spec.ports ?? []).some((p) => p.host !== undefined)) throw new HearthError(code, `${kind} ${spec.name}: ${why}`);
}

/** A container of the deployment as the rules see it: what it is called in a refusal, and its spec. */
export interface ContainerOf {
  kind: 'sidecar' | 'workload';
  spec: Pick<SidecarSpec, 'name' | 'image' | 'ports' | 'volumes' | 'privileged' | 'network_mode' | 'cap_add'>;
}

/** What a container's binds are checked against: the host, the operator's policy, the image. */
export interface BindContext {
  hostPaths: ReadonlyMap<string, string>;
  mounts: MountPolicy;
  /** Whether the driver knows the image by a name (an image by bare id or digest gets no bind). */
  identified: boolean;
}

export interface Bind {
  source: string;
  target: string;
  readOnly: boolean;
}

/**
 * The spec's volumes as binds, each checked: absolute paths without `..`, `:` or `,`; a source neither the
 * engine's socket or state nor the kernel's or devices' (as spelled and as resolved), nor in or
 * around Hearth's home, and under a root the operator allows (as resolved: a symlink out of a root
 * is out of it); a target that covers none of `delivered`, the paths the driver delivers credentials
 * to or runs from (a bind there would put a value on the host, or swap what runs first); an image the
 * driver can identify. A read-only root binds read-only.
 */
export function bindsOf(
  { kind, spec }: ContainerOf,
  delivered: readonly string[],
  { hostPaths, mounts, identified }: BindContext,
): Bind[] {
  const refuse = (code: ErrorCode, why: string) => new HearthError(code, `${kind} ${spec.name}: ${why}`);
  const volumes = spec.volumes ?? [];
  if (volumes.length > 0 && !identified) {
    throw refuse(ErrorCode.MountRefused, `image ${spec.image} carries no name the driver knows; it gets no bind mount`);
  }
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
        throw refuse(ErrorCode.MountRefused, `mounting ${canonical(path)}${via} would hand the ${kind} ${why}`);
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
        `a bind onto ${canonical(volume.target)} would cover ${onto}, where the driver delivers credentials or runs its init`,
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

/** Why a container may not mount the host path `path`, or null. */
function refusedHostPath(path: string): string | null {
  const source = canonical(path);
  if (source === '/') return "the host's root file system";
  if (posix.basename(source) === 'docker.sock') return 'the container engine';
  const hit = PROTECTED_HOST_PATHS.find(([guarded]) => within(source, guarded) || within(guarded, source));
  return hit?.[1] ?? null;
}
