import { z } from 'zod';
import { DEFAULT_ENGINE, DriverName, DeploymentEngine, SidecarSpec, Tier, WorkloadSpec } from '../deployment.js';
import { envelopeOf } from '../envelope.js';
import { Slug } from '../slug.js';

/** The driver command a deployment waits on once this event has happened. */
const awaiting = { command_id: z.string().min(1) };
/**
 * A driver's answer to that command, taken: `driver_seq` is the answer's sequence in DRIVER_EVENTS,
 * the order the driver said things in, so an older answer delivered late changes nothing (absent in
 * events written before answers were ordered).
 */
const answered = { ...awaiting, driver_seq: z.number().int().nonnegative().optional() };

/** The console's deployment events, as its event store keeps them in stream `deployment-<slug>`. */
export const DeploymentRequestedV1 = envelopeOf(
  'DeploymentRequestedV1',
  z
    .object({
      slug: Slug,
      tier: Tier,
      driver: DriverName,
      /**
       * Where it was placed. Absent in events written before there were several engines: the console
       * reads those as placed on its first engine (upcast on read, never rewritten); the default here
       * is for readers that know no engines.
       */
      engine: DeploymentEngine.default(DEFAULT_ENGINE),
      sidecars: z.array(SidecarSpec),
      /** Absent in events written before workloads existed. */
      workloads: z.array(WorkloadSpec).optional(),
      requested_at: z.iso.datetime(),
      ...awaiting,
    })
    .strict(),
);
export const DeploymentProvisioningStartedV1 = envelopeOf(
  'DeploymentProvisioningStartedV1',
  z.object(answered).strict(),
);
export const DeploymentReadyV1 = envelopeOf(
  'DeploymentReadyV1',
  z.object({ ...answered, endpoint: z.string() }).strict(),
);
export const DeploymentFailedV1 = envelopeOf(
  'DeploymentFailedV1',
  z.object({ ...answered, reason: z.string() }).strict(),
);
export const DeploymentRetriedV1 = envelopeOf('DeploymentRetriedV1', z.object(awaiting).strict());
/** Workloads started again (all, or `workload`): status goes back to provisioning until the driver answers. */
export const DeploymentRestartRequestedV1 = envelopeOf(
  'DeploymentRestartRequestedV1',
  z.object({ ...awaiting, workload: Slug.optional() }).strict(),
);
export const DeploymentDeprovisionRequestedV1 = envelopeOf(
  'DeploymentDeprovisionRequestedV1',
  z.object(awaiting).strict(),
);
export const DeploymentDeprovisionedV1 = envelopeOf('DeploymentDeprovisionedV1', z.object(answered).strict());

export const DeploymentEvent = z.discriminatedUnion('type', [
  DeploymentRequestedV1,
  DeploymentProvisioningStartedV1,
  DeploymentReadyV1,
  DeploymentFailedV1,
  DeploymentRetriedV1,
  DeploymentRestartRequestedV1,
  DeploymentDeprovisionRequestedV1,
  DeploymentDeprovisionedV1,
]);
export type DeploymentEvent = z.infer<typeof DeploymentEvent>;

const body = { type: true, data: true } as const;

/** A deployment event as its decider makes it: type and data, before the store puts it in its envelope. */
export const DeploymentEventBody = z.discriminatedUnion('type', [
  DeploymentRequestedV1.pick(body),
  DeploymentProvisioningStartedV1.pick(body),
  DeploymentReadyV1.pick(body),
  DeploymentFailedV1.pick(body),
  DeploymentRetriedV1.pick(body),
  DeploymentRestartRequestedV1.pick(body),
  DeploymentDeprovisionRequestedV1.pick(body),
  DeploymentDeprovisionedV1.pick(body),
]);
export type DeploymentEventBody = z.infer<typeof DeploymentEventBody>;

/**
 * The tenancy tree's events, each in a stream of its own (`org-<slug>`, `team-<slug>`,
 * `workspace-<slug>`): creation is the only change, so a slug is taken once, by the stream's version 0.
 */
export const OrgCreatedV1 = envelopeOf(
  'OrgCreatedV1',
  z.object({ slug: Slug, display_name: z.string().min(1), created_at: z.iso.datetime() }).strict(),
);
export const TeamCreatedV1 = envelopeOf(
  'TeamCreatedV1',
  z.object({ slug: Slug, display_name: z.string().min(1), org: Slug, created_at: z.iso.datetime() }).strict(),
);
export const WorkspaceCreatedV1 = envelopeOf(
  'WorkspaceCreatedV1',
  z
    .object({ slug: Slug, display_name: z.string().min(1), team: Slug, org: Slug, created_at: z.iso.datetime() })
    .strict(),
);
export const TenancyEvent = z.discriminatedUnion('type', [OrgCreatedV1, TeamCreatedV1, WorkspaceCreatedV1]);
export type TenancyEvent = z.infer<typeof TenancyEvent>;
