import { GENERIC_TYPE, type DriverCommand } from '@hearth/contracts';
import type { Logger } from '@hearth/platform/logging';
import { answerTo, failureReason, type Answer } from '../../domain/answers.js';
import { Labels } from '../../domain/naming.js';
import { credentialFileContent, type DeploymentPlan, type SidecarPlan } from '../../domain/plan/deployment-plan.js';
import { planOnThisHost, type PlanningDependencies } from '../deployment-planning.js';
import type {
  AnswerPublisher,
  ContainerEngine,
  CredentialGenerator,
  CredentialStore,
  DeploymentDirectory,
  ValueScrubber,
} from '../ports.js';
import { failpoint } from '@hearth/platform/runtime';
import type { Clock } from '@hearth/platform/ports';
import { waitUntilReady, type ReadinessOptions } from '../readiness.js';
import type { WorkloadDispatch } from '../workload-dispatch.js';
import type { WorkspaceNetworks } from '../workspace-network.js';
import type { WorkspaceResources } from '../workspace-resources.js';

export type ProvisionCommand = Extract<DriverCommand, { type: 'ProvisionSidecarsV1' }>;

/** The states in which a deployment still waits for its sidecars. */
const WANTING = new Set(['requested', 'provisioning']);

export interface ProvisionDependencies extends PlanningDependencies {
  engine: Pick<
    ContainerEngine,
    'inspectImage' | 'createContainer' | 'placeFiles' | 'startContainer' | 'stateOf' | 'exec'
  >;
  networks: Pick<WorkspaceNetworks, 'create'>;
  resources: Pick<WorkspaceResources, 'labels' | 'containersOf' | 'removeAll'>;
  vault: Pick<CredentialStore, 'writeGenerated' | 'destroyGenerated'>;
  answers: AnswerPublisher;
  directory: DeploymentDirectory;
  credentials: CredentialGenerator;
  scrubber: ValueScrubber;
  clock: Clock;
  logger: Logger;
  readiness: ReadinessOptions;
  workloads: Pick<WorkloadDispatch, 'start'>;
}

/**
 * Starts a deployment's sidecars: the plan is checked before anything exists; then the credentials,
 * generated and written to the vault before the engine holds anything; the workspace's internal
 * network; the containers (labelled, limited, no host port, credentials in files), and the wait
 * until each one answers a login by exec; then the workloads, each with its credentials resolved by
 * the vault. Any failure removes what this attempt made and answers ProvisioningFailedV1; nothing
 * is left half-made.
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
    let outcome: Answer;
    try {
      const endpoint = await this.provision(command, generated);
      this.deps.logger.info({ slug, command_id: command.id, endpoint }, 'sidecars provisioned');
      outcome = { type: 'SidecarsProvisionedV1', data: { slug, endpoint } };
    } catch (error) {
      const reason = failureReason(error, (text) => this.deps.scrubber.scrub(text));
      this.deps.logger.warn({ slug, command_id: command.id, reason }, 'provisioning failed');
      outcome = { type: 'ProvisioningFailedV1', data: { slug, reason } };
    } finally {
      for (const value of generated) this.deps.scrubber.forget(value);
    }
    // Outside the try: an answer that could not be published is no failed provisioning (that answer
    // getting through in its stead marked a healthy deployment failed). The command is delivered again
    // and, its containers found complete, answered again.
    await answer(outcome);
  }

  /** Provisions and returns the endpoint; every value generated is added to `generated` (and the scrubber). */
  private async provision(command: ProvisionCommand, generated: string[]): Promise<string> {
    const plan = await planOnThisHost(command.data, this.deps);
    if (await this.finishedEarlier(plan, command.id)) return plan.endpoint;
    this.deps.logger.info(
      {
        slug: plan.slug,
        command_id: command.id,
        sidecars: plan.sidecars.map((s) => `${s.name}=${s.image}`),
        workloads: plan.workloads.map((w) => `${w.name}=${w.image}`),
      },
      'provisioning sidecars',
    );

    await this.deps.resources.removeAll(plan.slug); // what an earlier command or a crashed attempt left
    const values = new Map<string, string>();
    /** Whether this attempt may have written the credential: a write whose answer was lost may have committed. */
    let mayHaveWritten = false;
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
        mayHaveWritten = true;
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
      }
      await this.deps.networks.create(plan.network, this.deps.resources.labels(plan.slug, command.id));
      const started = [];
      for (const sidecar of plan.sidecars) started.push(await this.start(plan, sidecar, command.id, values));
      await Promise.all(
        started.map(({ id, sidecar }) => waitUntilReady(this.deps.engine, id, sidecar, this.deps.readiness)),
      );
      // Only now: a workload's sidecar credentials are resolved from the vault, and its sidecars answer.
      for (const workload of plan.workloads) await this.deps.workloads.start(plan, workload, command.id);
      return plan.endpoint;
    } catch (error) {
      await this.undo(plan, mayHaveWritten);
      throw error;
    }
  }

  /**
   * True when this command was delivered before and its containers all exist, sidecars and
   * workloads: the driver died before answering. Sidecars are started if need be and waited for; a
   * workload must still be running with its values delivered (only a dispatch delivers them).
   * Anything less is made again.
   */
  private async finishedEarlier(plan: DeploymentPlan, commandId: string): Promise<boolean> {
    const existing = await this.deps.resources.containersOf(plan.slug);
    const names = new Set([...plan.sidecars, ...plan.workloads].map((s) => s.container));
    // A container never started may lack its credential files (a driver that died between creating
    // it and putting them in): started as it is, it would run without its value, or with none checked.
    const complete =
      existing.length === names.size &&
      existing.every((c) => c.labels[Labels.command] === commandId && names.has(c.name) && c.started);
    if (!complete || existing.length === 0) return false;
    this.deps.logger.info({ slug: plan.slug, command_id: commandId }, 'finishing a provisioning begun earlier');
    const containerOf = (name: string) => existing.find((c) => c.name === name)!;
    try {
      await Promise.all(
        plan.sidecars.map(async (sidecar) => {
          const container = containerOf(sidecar.container);
          if (!container.running) await this.deps.engine.startContainer(container.id);
          await waitUntilReady(this.deps.engine, container.id, sidecar, this.deps.readiness);
        }),
      );
      await Promise.all(
        plan.workloads.map((workload) =>
          waitUntilReady(
            this.deps.engine,
            containerOf(workload.container).id,
            { ...workload, kind: 'workload' },
            this.deps.readiness,
          ),
        ),
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
    failpoint('driver.provision.after-create');
    const files = sidecar.credentials
      .filter((c) => c.file !== null)
      .map((c) => ({ path: c.file!, content: Buffer.from(credentialFileContent(c, valueOf(c.name)), 'utf8') }));
    if (files.length > 0) await this.deps.engine.placeFiles(id, files);
    await this.deps.engine.startContainer(id);
    return { id, sidecar };
  }

  /**
   * Removes what the failed attempt made. The credential goes if this attempt may have written it (its
   * write refused, or its answer lost with the vault or NATS, as a crash does); a generated one only:
   * destroyGenerated leaves a USER credential at the path alone.
   */
  private async undo(plan: DeploymentPlan, mayHaveWritten: boolean): Promise<void> {
    try {
      await this.deps.resources.removeAll(plan.slug);
      if (mayHaveWritten) await this.deps.vault.destroyGenerated(plan.vaultPath);
    } catch (error) {
      // The reconcile pass finds by label whatever is left.
      this.deps.logger.error({ slug: plan.slug, err: error }, 'cleanup after a failed provisioning failed');
    }
  }
}
