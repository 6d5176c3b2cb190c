import { z } from 'zod';
import { boundedName, boundedText, WIRE_LIMITS } from './bounds.js';
import { DriverName, SidecarSpec, Tier, WorkloadSpec } from './deployment.js';
import { envelopeOf } from './envelope.js';
import { Slug } from './slug.js';

/**
 * The command/event contract between the console and any driver (LocalDocker today; Kubernetes or a
 * cloud later implement the same). Commands go to `cmd.<driver>.<engine>.<slug>` on the
 * DRIVER_COMMANDS work queue, where each engine's driver takes only its own (the console's signature
 * covers the subject, so a command moved to another engine does not verify); the driver answers with
 * events on `evt.driver-<driver>.deployment.<EventType>`.
 */
export const ProvisionSidecarsV1 = envelopeOf(
  'ProvisionSidecarsV1',
  z
    .object({
      slug: Slug,
      tier: Tier,
      driver: DriverName,
      sidecars: z.array(SidecarSpec),
      workloads: z.array(WorkloadSpec).optional(),
    })
    .strict(),
);
/**
 * Start a ready deployment's workloads again (all, or the one named), each with its credentials
 * resolved anew: how a rotated value reaches running work. The sidecars are left as they are; the
 * spec travels whole because the driver keeps no state of its own. Answered like a provisioning.
 */
export const RestartWorkloadsV1 = envelopeOf(
  'RestartWorkloadsV1',
  z
    .object({
      slug: Slug,
      tier: Tier,
      driver: DriverName,
      sidecars: z.array(SidecarSpec),
      workloads: z.array(WorkloadSpec),
      workload: Slug.optional(),
    })
    .strict(),
);
export const DeprovisionSidecarsV1 = envelopeOf(
  'DeprovisionSidecarsV1',
  z.object({ slug: Slug, driver: DriverName }).strict(),
);
export const DriverCommand = z.discriminatedUnion('type', [
  ProvisionSidecarsV1,
  RestartWorkloadsV1,
  DeprovisionSidecarsV1,
]);
export type DriverCommand = z.infer<typeof DriverCommand>;

const answering = { slug: Slug, command_id: z.uuid() };

export const ProvisioningStartedV1 = envelopeOf('ProvisioningStartedV1', z.object(answering).strict());
export const SidecarsProvisionedV1 = envelopeOf(
  'SidecarsProvisionedV1',
  z.object({ ...answering, endpoint: boundedName(WIRE_LIMITS.text) }).strict(),
);
export const ProvisioningFailedV1 = envelopeOf(
  'ProvisioningFailedV1',
  z.object({ ...answering, reason: boundedText(WIRE_LIMITS.text).min(1) }).strict(),
);
export const SidecarsDeprovisionedV1 = envelopeOf('SidecarsDeprovisionedV1', z.object(answering).strict());
export const DriverEvent = z.discriminatedUnion('type', [
  ProvisioningStartedV1,
  SidecarsProvisionedV1,
  ProvisioningFailedV1,
  SidecarsDeprovisionedV1,
]);
export type DriverEvent = z.infer<typeof DriverEvent>;
