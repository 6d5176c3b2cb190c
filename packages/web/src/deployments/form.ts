import { DeploymentRequest, ErrorCode, SIDECAR_CATALOG, sidecarCatalogEntryOf, type Tier } from '@hearth/contracts/web';
import type { ApiError } from '../api/client';

/**
 * The New deployment form as plain strings, mapped to a DeploymentRequest and checked with the
 * contracts' own schema (so the form refuses what the console would, with the same codes); the
 * console's refusals land on the same fields.
 */

/**
 * Picking a catalog sidecar (contracts' SIDECAR_CATALOG, the driver's known-sidecar rows) names the
 * row after it and sets the image's base name, keeping a tag or registry already typed for that base
 * (`hearth-test/postgres:15` stays as it is when PostgreSQL is picked).
 */
export function pickSidecar(row: ContainerRow, image: string): ContainerRow {
  const entry = SIDECAR_CATALOG.find((e) => e.image === image);
  if (!entry) return row;
  const keeps = sidecarCatalogEntryOf(row.image)?.image === entry.image;
  return { ...row, name: row.name || entry.image, image: keeps ? row.image : entry.image };
}

export interface ContainerRow {
  name: string;
  image: string;
  /** KEY=VALUE, one a line. */
  env: string;
  /** Container ports, comma separated; `host:container` publishes one. */
  ports: string;
}
export type SidecarRow = ContainerRow;
export interface WorkloadRow extends ContainerRow {
  /** Arguments separated by spaces; empty: the image's own. */
  command: string;
  /** Credential names, comma separated. */
  envRefs: string;
  secretsAsEnv: boolean;
}
export interface DeploymentForm {
  workspace: string;
  tier: Tier;
  engine: string;
  sidecars: SidecarRow[];
  workloads: WorkloadRow[];
}

export const emptyContainer = (): ContainerRow => ({ name: '', image: '', env: '', ports: '' });
export const emptyWorkload = (): WorkloadRow => ({
  ...emptyContainer(),
  command: '',
  envRefs: '',
  secretsAsEnv: false,
});
export const emptyForm = (): DeploymentForm => ({
  workspace: '',
  tier: 'dev',
  engine: '',
  sidecars: [],
  workloads: [],
});

/** A refusal shown beside a field: `field` is `slug`, `tier`, `engine`, `sidecars.0.image`, … or `form`. */
export interface FieldError {
  code: string;
  message: string;
}
export type FieldErrors = Record<string, FieldError>;

export type FormResult = { ok: true; request: DeploymentRequest } | { ok: false; errors: FieldErrors };

const list = (text: string): string[] =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

function envOf(text: string): Record<string, string> | undefined {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const at = line.indexOf('=');
    if (at < 0) env[line.trim()] = '';
    else env[line.slice(0, at).trim()] = line.slice(at + 1);
  }
  return Object.keys(env).length > 0 ? env : undefined;
}

function portsOf(text: string): { container: number; host?: number }[] | undefined {
  const ports = list(text).map((item) => {
    const [first, second] = item.split(':');
    return second === undefined ? { container: Number(first) } : { host: Number(first), container: Number(second) };
  });
  return ports.length > 0 ? ports : undefined;
}

function containerOf(row: ContainerRow): Record<string, unknown> {
  const spec: Record<string, unknown> = { name: row.name.trim(), image: row.image.trim() };
  const env = envOf(row.env);
  if (env) spec.env = env;
  const ports = portsOf(row.ports);
  if (ports) spec.ports = ports;
  return spec;
}

/** The request the form stands for, before any check. */
export function requestOf(form: DeploymentForm): Record<string, unknown> {
  const request: Record<string, unknown> = {
    slug: form.workspace.trim(),
    tier: form.tier,
    driver: 'localdocker',
    sidecars: form.sidecars.map(containerOf),
  };
  if (form.engine.trim() !== '') request.engine = form.engine.trim();
  if (form.workloads.length > 0) {
    request.workloads = form.workloads.map((row) => {
      const spec = containerOf(row);
      const command = row.command.trim().split(/\s+/).filter(Boolean);
      if (command.length > 0) spec.command = command;
      const refs = list(row.envRefs);
      if (refs.length > 0) spec.env_refs = refs;
      if (row.secretsAsEnv) spec.secrets_as_env = true;
      return spec;
    });
  }
  return request;
}

/** The form field a request path belongs to: `sidecars.0.env.DB_PASSWORD` → `sidecars.0.env`. */
export function fieldOf(path: readonly PropertyKey[]): string {
  const [first, second, third] = path.map(String);
  if (first === undefined) return 'form';
  if ((first === 'sidecars' || first === 'workloads') && second !== undefined) {
    return third === undefined ? `${first}.${second}.name` : `${first}.${second}.${third}`;
  }
  return first;
}

/** The code the console gives a refusal (contracts' parseRequest): the rule's own, a bad slug's, or the general one. */
function codeOfIssue(issue: { code: string; path: readonly PropertyKey[]; params?: Record<string, unknown> }): string {
  const own = issue.code === 'custom' ? issue.params?.code : undefined;
  if (typeof own === 'string') return own;
  return issue.path[0] === 'slug' ? ErrorCode.InvalidSlug : ErrorCode.InvalidRequest;
}

export function checkForm(form: DeploymentForm): FormResult {
  const parsed = DeploymentRequest.safeParse(requestOf(form));
  if (parsed.success) return { ok: true, request: parsed.data };
  const errors: FieldErrors = {};
  for (const issue of parsed.error.issues) {
    const field = fieldOf(issue.path);
    errors[field] ??= { code: codeOfIssue(issue), message: issue.message };
  }
  return { ok: false, errors };
}

/** Codes the console answers about the workspace itself, shown at the Workspace field. */
const WORKSPACE_CODES: ReadonlySet<string> = new Set([
  ErrorCode.InvalidSlug,
  ErrorCode.WorkspaceNotFound,
  ErrorCode.DeploymentExists,
]);

/**
 * The console's refusal of a create, field by field: its message is `where: what; where: what` (contracts'
 * parseRequest), each part landing on its field with the answer's code; what names no field is the form's.
 */
export function fieldErrorsOfApi(error: Pick<ApiError, 'code' | 'message' | 'fields'>): FieldErrors {
  const errors: FieldErrors = {};
  for (const refusal of error.fields) errors[fieldOf(refusal.field.split('.'))] ??= refusal;
  for (const part of error.message.split('; ')) {
    const match = /^([A-Za-z0-9_.]+): (.*)$/s.exec(part);
    if (!match || match[1] === 'body') continue;
    errors[fieldOf(match[1]!.split('.'))] ??= { code: error.code, message: match[2]! };
  }
  if (Object.keys(errors).length === 0) {
    errors[WORKSPACE_CODES.has(error.code) ? 'slug' : 'form'] = { code: error.code, message: error.message };
  }
  return errors;
}
