import { z } from 'zod';
import { Slug } from './slug.js';
import { VaultPointerText } from './vault-pointer.js';

export const Tier = z.enum(['dev', 'standard', 'premium']);
export type Tier = z.infer<typeof Tier>;

export const DriverName = z.enum(['localdocker']);
export type DriverName = z.infer<typeof DriverName>;

export const Status = z.enum(['requested', 'provisioning', 'ready', 'failed', 'deprovisioning', 'deprovisioned']);
export type Status = z.infer<typeof Status>;

/**
 * The one table of legal status transitions (also in the package README).
 * requested → provisioning → ready | failed; failed → provisioning (retry);
 * ready → deprovisioning → deprovisioned; failed → deprovisioning.
 */
export const STATUS_TRANSITIONS: Readonly<Record<Status, readonly Status[]>> = {
  requested: ['provisioning'],
  provisioning: ['ready', 'failed'],
  ready: ['deprovisioning'],
  failed: ['provisioning', 'deprovisioning'],
  deprovisioning: ['deprovisioned'],
  deprovisioned: [],
};

export function canTransition(from: Status, to: Status): boolean {
  return STATUS_TRANSITIONS[from].includes(to);
}

/** What a deployment asks its driver to start next to the workspace. */
export const SidecarSpec = z
  .object({
    name: Slug,
    image: z.string().min(1).max(255),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]*$/), z.string().max(4096)).optional(),
  })
  .strict();
export type SidecarSpec = z.infer<typeof SidecarSpec>;

export const DeploymentRequest = z
  .object({
    slug: Slug,
    tier: Tier,
    driver: DriverName,
    sidecars: z
      .array(SidecarSpec)
      .max(16)
      .refine((s) => new Set(s.map((x) => x.name)).size === s.length, {
        message: 'sidecar names must be unique',
      }),
  })
  .strict();
export type DeploymentRequest = z.infer<typeof DeploymentRequest>;

/** What any subsystem learns about a deployment: routing metadata and a vault pointer, never material. */
export const DeploymentRef = z
  .object({
    workspace_slug: Slug,
    tier: Tier,
    driver: DriverName,
    /** Resolvable URL or socket path; empty until the deployment is ready. */
    endpoint: z.string(),
    secrets_vault_path: VaultPointerText,
    created: z.iso.datetime(),
    last_status: Status,
  })
  .strict();
export type DeploymentRef = z.infer<typeof DeploymentRef>;

export const DeploymentList = z
  .object({
    items: z.array(DeploymentRef),
    next_cursor: z.string().nullable(),
  })
  .strict();
export type DeploymentList = z.infer<typeof DeploymentList>;

export const DeploymentListQuery = z
  .object({
    status: Status.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: Slug.optional(),
  })
  .strict();
export type DeploymentListQuery = z.infer<typeof DeploymentListQuery>;

export const GetDeploymentRequest = z.object({ slug: Slug }).strict();
export type GetDeploymentRequest = z.infer<typeof GetDeploymentRequest>;
