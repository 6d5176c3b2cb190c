import { ErrorCode, GENERIC_TYPE, HearthError, type DriverCommand } from '@hearth/contracts';
import type { Logger } from '@hearth/platform/logging';
import { answerTo, type Answer } from '../../domain/answers.js';
import { Labels } from '../../domain/naming.js';
import type { ImageIdentity } from '../../domain/catalog/image-name.js';
import {
  credentialFileContent,
  planDeployment,
  type DeploymentPlan,
  type MountPolicy,
  type SidecarPlan,
} from '../../domain/plan/deployment-plan.js';
import type {
  AnswerPublisher,
  ContainerEngine,
  CredentialGenerator,
  CredentialStore,
  DeploymentDirectory,
  HostPaths,
  ValueScrubber,
} from '../ports.js';
import type { Clock } from '@hearth/platform/ports';
import { waitUntilReady, type ReadinessOptions } from '../readiness.js';
import type { WorkspaceResources } from '../workspace-resources.js';

export type ProvisionCommand = Extract<DriverCommand, { type: 'ProvisionSidecarsV1' }>;

/** The states in which a deployment still waits for its sidecars. */
const WANTING = new Set(['requested', 'provisioning']);

export interface ProvisionDependencies {
  engine: Pick<
    ContainerEngine,
    'inspectImage' | 'createNetwork' | 'createContainer' | 'placeFiles' | 'startContainer' | 'stateOf' | 'exec'
  >;
  resources: Pick<WorkspaceResources, 'labels' | 'containersOf' | 'removeAll'>;
  vault: Pick<CredentialStore, 'writeGenerated' | 'destroyGenerated'>;
  answers: AnswerPublisher;
  directory: DeploymentDirectory;
  hostPaths: HostPaths;
  credentials: CredentialGenerator;
  scrubber: ValueScrubber;
  clock: Clock;
  logger: Logger;
  readiness: ReadinessOptions;
  /** Where binds may come from, as configured: resolved on the host at each provisioning. */
  mounts: MountPolicy;
}

/**
 * Starts a deployment's sidecars: the plan is checked before anything exists; then the credentials,
 * generated and written to the vault before the engine holds anything; the workspace's internal
 * network; the containers (labelled, limited, no host port, credentials in files), and the wait until each one
 * answers a login by exec. Any failure removes what this attempt made and answers
 * ProvisioningFailedV1; nothing is left half-made.
 */
export class ProvisionSidecars {
  constructor(private readonly deps: ProvisionDependencies) {}

  async run(command: ProvisionCommand, traceId: string | null = null): Promise<void> {
    const { slug } = command.data;
    const status = await this.deps.directory.statusOf(slug);
    if (status === null || !WANTING.has(status)) {
      // A command delivered again after the deployment moved on: answering it would change nothing.
      this.deps.logger.info({ slug, command_id: command.id, status }, 'provision command no longer wanted; skipped');
      return;
    }
    const answer = (a: Answer) => this.deps.answers.publish(answerTo(command, a, this.deps.clock.now(), traceId));
    await answer({ type: 'ProvisioningStartedV1', data: { slug } });
    const generated: string[] = [];
    try {
      const endpoint = await this.provision(command, generated);
      this.deps.logger.info({ slug, command_id: command.id, endpoint }, 'sidecars provisioned');
      await answer({ type: 'SidecarsProvisionedV1', data: { slug, endpoint } });
    } catch (error) {
      const reason = this.reasonOf(error);
      this.deps.logger.warn({ slug, command_id: command.id, reason }, 'provisioning failed');
      await answer({ type: 'ProvisioningFailedV1', data: { slug, reason } });
    } finally {
      for (const value of generated) this.deps.scrubber.forget(value);
    }
  }

  /** Provisions and returns the endpoint; every value generated is added to `generated` (and the scrubber). */
  private async provision(command: ProvisionCommand, generated: string[]): Promise<string> {
    const images = await this.identifyImages(command);
    const plan = planDeployment({
      ...command.data,
      hostPaths: await this.resolveBindSources(command),
      mounts: await this.resolveMountPolicy(),
      images,
    });
    const missing = plan.sidecars.find((s) => images.get(s.image) === null);
    if (missing !== undefined) {
      throw new HearthError(ErrorCode.ImageNotFound, `image ${missing.image} is not on this Docker host`);
    }
    if (await this.finishedEarlier(plan, command.id)) return plan.endpoint;
    this.deps.logger.info(
      { slug: plan.slug, command_id: command.id, sidecars: plan.sidecars.map((s) => `${s.name}=${s.image}`) },
      'provisioning sidecars',
    );

    await this.deps.resources.removeAll(plan.slug); // what an earlier command or a crashed attempt left
    const values = new Map<string, string>();
    let written = false;
    try {
      for (const sidecar of plan.sidecars) {
        for (const credential of sidecar.credentials) {
          const value = this.deps.credentials.generate();
          this.deps.scrubber.remember(value);
          generated.push(value);
          values.set(credential.name, value);
        }
      }
      // The vault first: a USER credential at the path refuses the spec before the engine holds
      // anything of it, and no container can start without its credential stored.
      if (values.size > 0) {
        const { typed } = plan;
        await (typed === null
          ? this.deps.vault.writeGenerated(
              plan.vaultPath,
              GENERIC_TYPE,
              Object.fromEntries(values),
              plan.credentialTags,
            )
          : this.deps.vault.writeGenerated(
              plan.vaultPath,
              typed.type,
              { ...typed.fields, password: values.get(typed.name)! },
              plan.credentialTags,
            ));
        written = true;
      }
      await this.deps.engine.createNetwork(plan.network, this.deps.resources.labels(plan.slug, command.id));
      const started = [];
      for (const sidecar of plan.sidecars) started.push(await this.start(plan, sidecar, command.id, values));
      await Promise.all(
        started.map(({ id, sidecar }) => waitUntilReady(this.deps.engine, id, sidecar, this.deps.readiness)),
      );
      return plan.endpoint;
    } catch (error) {
      await this.undo(plan, written);
      throw error;
    }
  }

  /**
   * Where each bind source really is on the host, for the plan to check (a symlink to the engine's
   * socket is the socket) and to bind (so the path checked is the path mounted). Relative sources
   * are left to the plan, which refuses them.
   */
  private async resolveBindSources(command: ProvisionCommand): Promise<Map<string, string>> {
    const sources = command.data.sidecars.flatMap((s) => (s.volumes ?? []).map((v) => v.source));
    const resolved = new Map<string, string>();
    for (const source of new Set(sources.filter((p) => p.startsWith('/')))) {
      resolved.set(source, await this.deps.hostPaths.resolve(source));
    }
    return resolved;
  }

  /** What the engine says each image is, so the catalog applies by identity (null: no such image). */
  private async identifyImages(command: ProvisionCommand): Promise<Map<string, ImageIdentity | null>> {
    const identities = new Map<string, ImageIdentity | null>();
    for (const image of new Set(command.data.sidecars.map((s) => s.image))) {
      identities.set(image, await this.deps.engine.inspectImage(image));
    }
    return identities;
  }

  /**
   * The bind roots where they really are on the host, so a symlinked root is its target; the
   * guarded paths both as configured and as resolved.
   */
  private async resolveMountPolicy(): Promise<MountPolicy> {
    const { roots, guarded } = this.deps.mounts;
    return {
      roots: await Promise.all(roots.map(async (r) => ({ ...r, path: await this.deps.hostPaths.resolve(r.path) }))),
      guarded: [...guarded, ...(await Promise.all(guarded.map((path) => this.deps.hostPaths.resolve(path))))],
    };
  }

  /**
   * True when this command was delivered before and its containers all exist: the driver died
   * before answering. They are started if need be and waited for; anything less is made again.
   */
  private async finishedEarlier(plan: DeploymentPlan, commandId: string): Promise<boolean> {
    const existing = await this.deps.resources.containersOf(plan.slug);
    const names = new Set(plan.sidecars.map((s) => s.container));
    const complete =
      existing.length === plan.sidecars.length &&
      existing.every((c) => c.labels[Labels.command] === commandId && names.has(c.name));
    if (!complete || existing.length === 0) return false;
    this.deps.logger.info({ slug: plan.slug, command_id: commandId }, 'finishing a provisioning begun earlier');
    try {
      await Promise.all(
        plan.sidecars.map(async (sidecar) => {
          const container = existing.find((c) => c.name === sidecar.container)!;
          if (!container.running) await this.deps.engine.startContainer(container.id);
          await waitUntilReady(this.deps.engine, container.id, sidecar, this.deps.readiness);
        }),
      );
      return true;
    } catch (error) {
      this.deps.logger.warn({ slug: plan.slug, err: error }, 'the earlier attempt cannot be finished; starting over');
      return false;
    }
  }

  private async start(
    plan: DeploymentPlan,
    sidecar: SidecarPlan,
    commandId: string,
    values: ReadonlyMap<string, string>,
  ): Promise<{ id: string; sidecar: SidecarPlan }> {
    const valueOf = (name: string) => values.get(name)!;
    const env = { ...sidecar.env };
    for (const credential of sidecar.credentials) {
      if (credential.delivery === 'env') env[credential.env] = valueOf(credential.name);
    }
    const id = await this.deps.engine.createContainer({
      name: sidecar.container,
      image: sidecar.image,
      env,
      labels: this.deps.resources.labels(plan.slug, commandId, sidecar.name),
      network: plan.network,
      aliases: [sidecar.name],
      exposedPorts: sidecar.exposedPorts,
      binds: sidecar.binds,
      limits: plan.limits,
    });
    const files = sidecar.credentials
      .filter((c) => c.file !== null)
      .map((c) => ({ path: c.file!, content: Buffer.from(credentialFileContent(c, valueOf(c.name)), 'utf8') }));
    if (files.length > 0) await this.deps.engine.placeFiles(id, files);
    await this.deps.engine.startContainer(id);
    return { id, sidecar };
  }

  /** Removes what the failed attempt made; the credential goes only if this attempt wrote it. */
  private async undo(plan: DeploymentPlan, written: boolean): Promise<void> {
    try {
      await this.deps.resources.removeAll(plan.slug);
      if (written) await this.deps.vault.destroyGenerated(plan.vaultPath);
    } catch (error) {
      // The reconcile pass finds by label whatever is left.
      this.deps.logger.error({ slug: plan.slug, err: error }, 'cleanup after a failed provisioning failed');
    }
  }

  private reasonOf(error: unknown): string {
    const text =
      error instanceof HearthError
        ? `${error.code}: ${error.message}`
        : `${ErrorCode.Internal}: ${error instanceof Error ? error.message : String(error)}`;
    return this.deps.scrubber.scrub(text).slice(0, 2048);
  }
}
