import { z } from 'zod';
import { DriverName, SidecarSpec, Tier } from '../deployment.js';
import { envelopeOf } from '../envelope.js';
import { Slug } from '../slug.js';

/** The driver command a deployment waits on once this event has happened. */
const awaiting = { command_id: z.string().min(1) };

/** The console's deployment events, as its event store keeps them in stream `deployment-<slug>`. */
export const DeploymentRequestedV1 = envelopeOf(
  'DeploymentRequestedV1',
  z
    .object({
      slug: Slug,
      tier: Tier,
      driver: DriverName,
      sidecars: z.array(SidecarSpec),
      requested_at: z.iso.datetime(),
      ...awaiting,
    })
    .strict(),
);
export const DeploymentProvisioningStartedV1 = envelopeOf(
  'DeploymentProvisioningStartedV1',
  z.object(awaiting).strict(),
);
export const DeploymentReadyV1 = envelopeOf(
  'DeploymentReadyV1',
  z.object({ ...awaiting, endpoint: z.string() }).strict(),
);
export const DeploymentFailedV1 = envelopeOf(
  'DeploymentFailedV1',
  z.object({ ...awaiting, reason: z.string() }).strict(),
);
export const DeploymentRetriedV1 = envelopeOf('DeploymentRetriedV1', z.object(awaiting).strict());
export const DeploymentDeprovisionRequestedV1 = envelopeOf(
  'DeploymentDeprovisionRequestedV1',
  z.object(awaiting).strict(),
);
export const DeploymentDeprovisionedV1 = envelopeOf('DeploymentDeprovisionedV1', z.object(awaiting).strict());

export const DeploymentEvent = z.discriminatedUnion('type', [
  DeploymentRequestedV1,
  DeploymentProvisioningStartedV1,
  DeploymentReadyV1,
  DeploymentFailedV1,
  DeploymentRetriedV1,
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
  DeploymentDeprovisionRequestedV1.pick(body),
  DeploymentDeprovisionedV1.pick(body),
]);
export type DeploymentEventBody = z.infer<typeof DeploymentEventBody>;
