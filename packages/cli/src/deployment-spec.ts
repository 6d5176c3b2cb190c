import { DeploymentRequest, ErrorCode, HearthError, parseRequest } from '@hearth/contracts';
import { InvalidArgumentError } from 'commander';

/** `name=value` as one of `hearth deploy create`'s repeatable options gives it. */
export type NamedValue = readonly [name: string, value: string];

/**
 * A collector for a repeatable `--flag name=value` option; `example` is shown when the form is wrong
 * (a usage error, exit 2). The contract checks the name and the value afterwards.
 */
export function collectNamed(example: string) {
  return (text: string, previous: NamedValue[] = []): NamedValue[] => {
    const at = text.indexOf('=');
    if (at <= 0 || at === text.length - 1) throw new InvalidArgumentError(`expected name=value, e.g. ${example}`);
    return [...previous, [text.slice(0, at), text.slice(at + 1)]];
  };
}

export const collectRepeated = (value: string, previous: string[] = []): string[] => [...previous, value];

/** A deployment as `hearth deploy create` takes it on its command line; each adds to or overrides the file. */
export interface DeploymentOptions {
  tier?: string;
  driver?: string;
  /** `--engine name`: where to place it. */
  engine?: string;
  /** `--sidecar name=image` */
  sidecar?: NamedValue[];
  /** `--workload name=image` */
  workload?: NamedValue[];
  /** `--command name='sleep infinity'`: the workload's command, split at whitespace. */
  command?: NamedValue[];
  /** `--env-ref name=OPENAI_API_KEY` */
  envRef?: NamedValue[];
  /** `--secrets-as-env name` */
  secretsAsEnv?: string[];
}

const DEFAULT_DRIVER = 'localdocker';
const invalid = (message: string) => new HearthError(ErrorCode.InvalidRequest, message);

/**
 * The deployment to request: the file's body (shaped like the request: tier, driver, engine,
 * sidecars, workloads, slug), then the options. `--tier`/`--driver`/`--engine` override the file's; `--sidecar` and
 * `--workload` add containers; `--command`, `--env-ref` and `--secrets-as-env` apply to a workload
 * named in either. A slug in both the command and the file must be the same: neither silently wins.
 */
export function deploymentRequest(
  slug: string | undefined,
  file: Record<string, unknown>,
  o: DeploymentOptions,
): DeploymentRequest {
  if (slug !== undefined && file.slug !== undefined && file.slug !== slug) {
    throw invalid(`the deployment file names ${JSON.stringify(file.slug)}, the command ${slug}`);
  }
  const sidecars = [...listIn(file, 'sidecars'), ...(o.sidecar ?? []).map(([name, image]) => ({ name, image }))];
  const workloads = [...listIn(file, 'workloads'), ...(o.workload ?? []).map(([name, image]) => ({ name, image }))];
  const workload = (name: string, flag: string): Record<string, unknown> => {
    const found = workloads.find((w): w is Record<string, unknown> => isMapping(w) && w.name === name);
    if (!found)
      throw invalid(`${flag} ${name}: no such workload (add it with --workload ${name}=IMAGE or in the file)`);
    return found;
  };
  for (const [name, line] of o.command ?? []) workload(name, '--command').command = line.split(/\s+/).filter(Boolean);
  for (const [name, ref] of o.envRef ?? []) {
    const target = workload(name, '--env-ref');
    target.env_refs = [...(Array.isArray(target.env_refs) ? (target.env_refs as unknown[]) : []), ref];
  }
  for (const name of o.secretsAsEnv ?? []) workload(name, '--secrets-as-env').secrets_as_env = true;
  return parseRequest(DeploymentRequest, {
    ...file,
    slug: slug ?? file.slug,
    tier: o.tier ?? file.tier,
    driver: o.driver ?? file.driver ?? DEFAULT_DRIVER,
    ...(o.engine !== undefined ? { engine: o.engine } : {}),
    sidecars,
    ...(workloads.length > 0 || file.workloads !== undefined ? { workloads } : {}),
  });
}

const isMapping = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A list field of the file, copied (entries too) so that the options can change them. */
function listIn(file: Record<string, unknown>, field: string): unknown[] {
  const value = file[field];
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalid(`${field} in the deployment file must be a list`);
  return value.map((entry: unknown) => (isMapping(entry) ? { ...entry } : entry));
}
