import { ErrorCode, HearthError, RESOLVABLE_NAME, WORKLOAD_SECRETS_DIR, type WorkloadSpec } from '@hearth/contracts';
import { containerName } from '../naming.js';
import { DELIVERED_MARKER, WORKLOAD_INIT } from '../workload/delivery.js';
import {
  bindsOf,
  refuseHostPorts,
  refuseUnsafeOptions,
  type Bind,
  type BindContext,
  type ContainerOf,
} from './container-rules.js';

/** How an image runs when a workload names no command, and as whom (the engine's inspect). */
export interface ImageRuntime {
  entrypoint: readonly string[];
  cmd: readonly string[];
  /** The image's `USER` (`name`, `uid`, `uid:gid`); empty for root. */
  user: string;
}

export interface WorkloadPlan {
  name: string;
  container: string;
  image: string;
  /** The spec's env and `<NAME>_FILE` for every name delivered: paths, never a value. */
  env: Record<string, string>;
  /** What is resolved for it at each start, sorted: its env_refs and its deployment's sidecar credentials' names. */
  names: string[];
  /** The container's entrypoint: the driver's init, told whether to load the values into the environment. */
  entrypoint: string[];
  /** What the init executes once the values are delivered. */
  command: string[];
  /** The tmpfs the values live in, and its mount options (owned by the image's user, who alone reads them). */
  tmpfs: Record<string, string>;
  /** Shell line run by exec inside the container: exit 0 once the init has delivered. */
  readiness: string;
  exposedPorts: string[];
  binds: Bind[];
}

export interface WorkloadContext extends BindContext {
  slug: string;
  /** The names the deployment's own sidecar credentials offer (POSTGRES_PASSWORD, POSTGRES_HOST…). */
  sidecarNames: readonly string[];
  /** How the image runs; null when the engine has no such image (the app refuses that before planning). */
  runtime: ImageRuntime | null;
}

/**
 * A workload beside the sidecars, held to the same rules (container-rules.ts) plus its own: nothing
 * bound over where its values are delivered nor over the init, no env that sets a delivered name or
 * its `_FILE`, a command to run. Its names are its env_refs and every name the sidecars' credentials
 * offer (the seed's "every agent gets POSTGRES_PASSWORD"); each is delivered as a file on a tmpfs,
 * named by `<NAME>_FILE`, so the container's configuration holds paths only.
 */
export function planWorkload(spec: WorkloadSpec, context: WorkloadContext): WorkloadPlan {
  const container: ContainerOf = { kind: 'workload', spec };
  const refuse = (code: ErrorCode, why: string) => new HearthError(code, `workload ${spec.name}: ${why}`);
  refuseUnsafeOptions(container);
  refuseHostPorts(
    container,
    ErrorCode.HostPortUnsupported,
    'host ports are not published; workloads sit on an internal network',
  );
  const binds = bindsOf(container, [WORKLOAD_SECRETS_DIR, WORKLOAD_INIT], context);
  const names = [...new Set([...(spec.env_refs ?? []), ...context.sidecarNames])].sort();
  const unusable = names.find((name) => !RESOLVABLE_NAME.test(name));
  if (unusable !== undefined) {
    throw refuse(ErrorCode.InvalidRequest, `${unusable} is not a name a variable can carry (like OPENAI_API_KEY)`);
  }
  const env: Record<string, string> = { ...spec.env };
  for (const name of names) {
    for (const variable of [name, `${name}_FILE`]) {
      if (Object.hasOwn(env, variable)) {
        throw refuse(ErrorCode.CredentialConflict, `env sets ${variable}, which the driver delivers from the vault`);
      }
    }
    env[`${name}_FILE`] = `${WORKLOAD_SECRETS_DIR}/${name}`;
  }
  const command = spec.command ?? [...(context.runtime?.entrypoint ?? []), ...(context.runtime?.cmd ?? [])];
  if (command.length === 0) {
    throw refuse(ErrorCode.InvalidRequest, `image ${spec.image} has no entrypoint nor command; name one in command`);
  }
  return {
    name: spec.name,
    container: containerName(context.slug, spec.name),
    image: spec.image,
    env,
    names,
    entrypoint: [WORKLOAD_INIT, spec.secrets_as_env ? 'env' : 'files'],
    command,
    tmpfs: { [WORKLOAD_SECRETS_DIR]: tmpfsOptions(context.runtime?.user ?? '') },
    readiness: `test -e ${DELIVERED_MARKER}`,
    exposedPorts: [...new Set((spec.ports ?? []).map((p) => `${p.container}/${p.protocol ?? 'tcp'}`))],
    binds,
  };
}

/**
 * Small, never executable, owned by whoever the image runs as (the init writes the files as that
 * user, and no one else there reads them). A user named rather than numbered cannot be owned by
 * number without reading the image's passwd: the directory is then writable by all but listable by
 * none (sticky, 1733), and each file stays its writer's, mode 0400.
 */
export function tmpfsOptions(user: string): string {
  const base = 'rw,noexec,nosuid,nodev,size=1m';
  const [uid, gid] = user.split(':');
  if (uid === undefined || uid === '' || uid === '0' || uid === 'root') return `${base},mode=0700`;
  if (!/^\d+$/.test(uid)) return `${base},mode=1733`;
  return `${base},mode=0700,uid=${uid}${gid !== undefined && /^\d+$/.test(gid) ? `,gid=${gid}` : ''}`;
}
