import { z } from 'zod';
import { ErrorCode } from './errors.js';
import { Slug } from './slug.js';
import { SecretName } from './vault.js';
import { VaultPointerText } from './vault-pointer.js';

export const Tier = z.enum(['dev', 'standard', 'premium']);
export type Tier = z.infer<typeof Tier>;

export const DriverName = z.enum(['localdocker']);
export type DriverName = z.infer<typeof DriverName>;

/**
 * An engine a driver runs workspaces on (a Docker host for LocalDocker): its driver's
 * DRIVER_INSTANCE. A token of the command subjects (`cmd.<driver>.<engine>.<slug>`) and part of a
 * durable consumer's name, so no dot.
 */
export const DeploymentEngine = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, {
  message: 'an engine name is 1-63 characters of a-z, 0-9, "_" and "-", starting with a letter or digit',
});
export type DeploymentEngine = z.infer<typeof DeploymentEngine>;

/** The engine a console places on when its operator names none (CONSOLE_ENGINES' default). */
export const DEFAULT_ENGINE = 'default';

export const Status = z.enum(['requested', 'provisioning', 'ready', 'failed', 'deprovisioning', 'deprovisioned']);
export type Status = z.infer<typeof Status>;

const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]*$/);
const ContainerPort = z.number().int().min(1).max(65_535);

/**
 * A credential the driver generates for a sidecar and keeps in the vault only. `name` is the value's
 * name in the vault; `env` the variable the image reads (the name by default), delivered as
 * `<env>_FILE` pointing at a file unless `delivery` is `env`. An entry whose `env` is the catalog
 * credential's renames it, which the driver delivers as its catalog says (never by env: a file the
 * image reads); any other entry adds a credential.
 */
export const AutoCredentialSpec = z
  .object({
    name: SecretName,
    env: EnvName.optional(),
    delivery: z.enum(['file', 'env']).optional(),
  })
  .strict();
export type AutoCredentialSpec = z.infer<typeof AutoCredentialSpec>;

/**
 * What a deployment asks its driver to start next to the workspace. The container options a driver
 * must refuse (privileged, host network, added capabilities, host ports beside generated credentials,
 * mounts of the Docker socket or of `/`) are part of the shape so that the refusal has a code of its
 * own; anything not named here is an unknown field.
 */
export const SidecarSpec = z
  .object({
    name: Slug,
    image: z.string().min(1).max(255),
    env: z.record(EnvName, z.string().max(4096)).optional(),
    auto_credentials: z.array(AutoCredentialSpec).max(16).optional(),
    ports: z
      .array(
        z
          .object({
            container: ContainerPort,
            host: ContainerPort.optional(),
            protocol: z.enum(['tcp', 'udp']).optional(),
          })
          .strict(),
      )
      .max(32)
      .optional(),
    volumes: z
      .array(
        z
          .object({
            source: z.string().min(1).max(1024),
            target: z.string().min(1).max(1024),
            read_only: z.boolean().optional(),
          })
          .strict(),
      )
      .max(32)
      .optional(),
    privileged: z.boolean().optional(),
    network_mode: z.string().min(1).max(128).optional(),
    cap_add: z.array(z.string().min(1).max(64)).max(64).optional(),
  })
  .strict();
export type SidecarSpec = z.infer<typeof SidecarSpec>;

/**
 * A container of the deployment's own work (an agent, a job) started beside its sidecars on the
 * workspace's internal network, with the same limits and refusals. `env_refs` names the credentials
 * resolved for it at each start (the narrowest scope wins a name); the deployment's sidecar
 * credentials are added to them. Each is delivered as a file on a tmpfs, `/run/secrets/<NAME>`, with
 * `<NAME>_FILE` set; `secrets_as_env` also loads them into the command's environment (for images
 * that only read env), by an init the driver places, so no value is in the container's configuration.
 */
export const WorkloadSpec = SidecarSpec.omit({ auto_credentials: true })
  .extend({
    /** What to run (the image's entrypoint and command when absent). */
    command: z.array(z.string().min(1).max(4096)).min(1).max(64).optional(),
    env_refs: z
      .array(SecretName)
      .max(64)
      .refine((refs) => new Set(refs).size === refs.length, { message: 'env_refs are unique' })
      .optional(),
    secrets_as_env: z.boolean().optional(),
  })
  .strict();
export type WorkloadSpec = z.infer<typeof WorkloadSpec>;

/** Where a workload's credentials are delivered: a tmpfs the driver mounts, one file per name. */
export const WORKLOAD_SECRETS_DIR = '/run/secrets';

/** Whole words (anywhere in the name) that only a credential's variable carries. */
const CREDENTIAL_WORDS = /PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|CREDENTIAL|APIKEY|PRIVATEKEY/;
/** Words that mean a credential only as a whole `_`-separated part (`RABBITMQ_DEFAULT_PASS`, `MYSQL_PWD`). */
const CREDENTIAL_PARTS = new Set(['PASS', 'PWD', 'PW']);
/** What makes a `…_KEY` a key to something (`API_KEY`, `AWS_SECRET_ACCESS_KEY`) rather than `CACHE_KEY_PREFIX`. */
const KEY_KINDS = new Set(['API', 'ACCESS', 'PRIVATE', 'SECRET', 'SIGNING', 'ENCRYPTION', 'MASTER', 'CLIENT', 'AUTH']);

/**
 * Whether an env variable's name looks like it carries a credential. `*_FILE` counts: it is how the
 * driver hands an image its generated credential, and pointing it elsewhere is choosing one by hand.
 * Apart from SECRET_FIELD_NAMES on purpose: env names carry words (`_PASS`, `_PWD`, `*_FILE`) a JSON field's do not.
 */
export function looksLikeCredential(envName: string): boolean {
  const name = envName.toUpperCase();
  if (CREDENTIAL_WORDS.test(name) || /[_.]FILE$/.test(name)) return true;
  const parts = name.split(/[_.]/);
  return parts.some((part, i) => CREDENTIAL_PARTS.has(part) || (part === 'KEY' && KEY_KINDS.has(parts[i - 1] ?? '')));
}

/**
 * A sidecar as an operator asks for it: no credential in `env`. Refused here, at the console's edge,
 * because past it the value would be kept in clear in the immutable DeploymentRequested event and on
 * the driver's command stream, even though the driver refuses it later.
 */
const RequestedSidecarSpec = SidecarSpec.superRefine((sidecar, ctx) => {
  for (const name of Object.keys(sidecar.env ?? {})) {
    if (!looksLikeCredential(name)) continue;
    ctx.addIssue({
      code: 'custom',
      path: ['env', name],
      message:
        'looks like a credential; secrets belong in the vault: list it in auto_credentials for the driver to generate',
      params: { code: ErrorCode.SecretInSpec },
    });
  }
});

/** A workload as an operator asks for it: credentials by reference only, never in `env`. */
const RequestedWorkloadSpec = WorkloadSpec.superRefine((workload, ctx) => {
  for (const name of Object.keys(workload.env ?? {})) {
    if (!looksLikeCredential(name)) continue;
    ctx.addIssue({
      code: 'custom',
      path: ['env', name],
      message: 'looks like a credential; secrets belong in the vault: name it in env_refs',
      params: { code: ErrorCode.SecretInSpec },
    });
  }
});

/** How many sidecars, and how many workloads, one deployment may ask for: what a workspace network must hold. */
export const MAX_SIDECARS = 16;
export const MAX_WORKLOADS = 16;

export const DeploymentRequest = z
  .object({
    /** The workspace the deployment is for: it must exist in the console's tenancy tree. */
    slug: Slug,
    tier: Tier,
    driver: DriverName,
    /** The engine to place it on; absent: the console's engine with the fewest workspaces that has room. */
    engine: DeploymentEngine.optional(),
    sidecars: z.array(RequestedSidecarSpec).max(MAX_SIDECARS),
    workloads: z.array(RequestedWorkloadSpec).max(MAX_WORKLOADS).optional(),
  })
  .strict()
  .refine(
    (d) => {
      const names = [...d.sidecars, ...(d.workloads ?? [])].map((x) => x.name);
      return new Set(names).size === names.length;
    },
    { message: 'sidecar and workload names must be unique', path: ['sidecars'] },
  );
export type DeploymentRequest = z.infer<typeof DeploymentRequest>;

/** What any subsystem learns about a deployment: routing metadata and a vault pointer, never material. */
export const DeploymentRef = z
  .object({
    workspace_slug: Slug,
    tier: Tier,
    driver: DriverName,
    /** The engine it lives on, which its driver commands go to. */
    engine: DeploymentEngine,
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

/** `POST /v1/deployments/:slug/restart`: start the workloads again (one, or all), resolving their credentials anew. */
export const RestartRequest = z.object({ workload: Slug.optional() }).strict();
export type RestartRequest = z.infer<typeof RestartRequest>;

export const GetDeploymentRequest = z.object({ slug: Slug }).strict();
export type GetDeploymentRequest = z.infer<typeof GetDeploymentRequest>;

/**
 * One step of a deployment's timeline, from one event of its stream: the status it moved to and the
 * driver command it concerns. `endpoint` is set where the deployment became ready, `reason` where it
 * failed (the driver's, with its code: `DRIVER.PRIVILEGED_REFUSED: …`); both are null elsewhere.
 * Operators learn here why a deployment failed; the DeploymentRef keeps its fixed shape.
 */
export const DeploymentHistoryEntry = z
  .object({
    version: z.number().int().positive(),
    occurred_at: z.iso.datetime(),
    status: Status,
    command_id: z.string().min(1),
    endpoint: z.string().nullable(),
    reason: z.string().nullable(),
  })
  .strict();
export type DeploymentHistoryEntry = z.infer<typeof DeploymentHistoryEntry>;

/** A deployment's timeline, oldest first. */
export const DeploymentHistory = z
  .object({
    workspace_slug: Slug,
    entries: z.array(DeploymentHistoryEntry),
  })
  .strict();
export type DeploymentHistory = z.infer<typeof DeploymentHistory>;
