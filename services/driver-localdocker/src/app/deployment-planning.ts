import { ErrorCode, HearthError, type SidecarSpec } from '@hearth/contracts';
import type { MountPolicy } from '../domain/plan/container-rules.js';
import {
  planDeployment,
  type DeploymentPlan,
  type EngineImage,
  type PlanRequest,
} from '../domain/plan/deployment-plan.js';
import type { ContainerEngine, HostPaths } from './ports.js';

export interface PlanningDependencies {
  engine: Pick<ContainerEngine, 'inspectImage'>;
  hostPaths: HostPaths;
  /** Where binds may come from, as configured: resolved on the host at each planning. */
  mounts: MountPolicy;
}

/** What a provisioning or a restart command says of the deployment: the plan's own input, before I/O adds to it. */
export type DeploymentSpec = Pick<PlanRequest, 'slug' | 'tier' | 'sidecars' | 'workloads'>;

/**
 * The deployment's plan with what only I/O can tell the domain: what the engine says each image
 * is, where each bind source and root really is on the host. Refuses an image the engine does not
 * have. Provisioning and a restart plan alike, so a restart is held to the same rules.
 */
export async function planOnThisHost(spec: DeploymentSpec, deps: PlanningDependencies): Promise<DeploymentPlan> {
  const containers = [...spec.sidecars, ...(spec.workloads ?? [])];
  const images = new Map<string, EngineImage | null>();
  for (const image of new Set(containers.map((c) => c.image))) {
    images.set(image, await deps.engine.inspectImage(image));
  }
  const plan = planDeployment({
    ...spec,
    hostPaths: await resolveBindSources(containers, deps.hostPaths),
    mounts: await resolveMountPolicy(deps),
    images,
  });
  const missing = containers.find((c) => images.get(c.image) === null);
  if (missing !== undefined) {
    throw new HearthError(ErrorCode.ImageNotFound, `image ${missing.image} is not on this Docker host`);
  }
  return plan;
}

/**
 * Where each bind source really is on the host, for the plan to check (a symlink to the engine's
 * socket is the socket) and to bind (so the path checked is the path mounted). Relative sources
 * are left to the plan, which refuses them.
 */
async function resolveBindSources(
  containers: ReadonlyArray<Pick<SidecarSpec, 'volumes'>>,
  hostPaths: HostPaths,
): Promise<Map<string, string>> {
  const sources = containers.flatMap((c) => (c.volumes ?? []).map((v) => v.source));
  const resolved = new Map<string, string>();
  for (const source of new Set(sources.filter((p) => p.startsWith('/')))) {
    resolved.set(source, await hostPaths.resolve(source));
  }
  return resolved;
}

/**
 * The bind roots where they really are on the host, so a symlinked root is its target; the
 * guarded paths both as configured and as resolved.
 */
async function resolveMountPolicy({ mounts, hostPaths }: PlanningDependencies): Promise<MountPolicy> {
  const { roots, guarded } = mounts;
  return {
    roots: await Promise.all(roots.map(async (r) => ({ ...r, path: await hostPaths.resolve(r.path) }))),
    guarded: [...guarded, ...(await Promise.all(guarded.map((path) => hostPaths.resolve(path))))],
  };
}
