import { ErrorCode, HearthError, LeaseRole, parseRequest, type ParsedLeaseRole } from '@hearth/contracts';
import { parseDuration } from './durations.js';
import { parseSpecFile, readSpecFile } from './spec-file.js';

/** A role as `hearth role create` takes it on its command line; each option overrides the file's field. */
export interface RoleOptions {
  engine?: string;
  creationStatement?: string[];
  revocationStatement?: string[];
  renewStatement?: string[];
  rollbackStatement?: string[];
  defaultTtl?: string;
  maxTtl?: string;
  usernameTemplate?: string;
}

const invalid = (message: string) => new HearthError(ErrorCode.InvalidRequest, message);

/** A TTL as a file or an option gives it: seconds, or a duration such as `1h`. */
function ttlOf(value: unknown, field: string): unknown {
  if (typeof value === 'string') return parseDuration(value, field);
  return value;
}

/**
 * A role file's fields (the vault's names: `creation_statements`, `default_ttl`, …; TTLs in seconds
 * or as `1h`), JSON or YAML as parseSpecFile reads them.
 */
export function parseRoleFile(text: string, path: string): Record<string, unknown> {
  return withTtls(parseSpecFile(text, path, 'one role'));
}

export async function readRoleFile(path: string): Promise<Record<string, unknown>> {
  return withTtls(await readSpecFile(path, 'one role'));
}

function withTtls(fields: Record<string, unknown>): Record<string, unknown> {
  for (const field of ['default_ttl', 'max_ttl'] as const) {
    if (field in fields) fields[field] = ttlOf(fields[field], field);
  }
  return fields;
}

/**
 * The role to send: the file's fields (if any), then the options given, named `name`. A file naming
 * another role is refused rather than one of the two names silently winning.
 */
export function roleRequest(name: string, file: Record<string, unknown>, o: RoleOptions): ParsedLeaseRole {
  if (file.name !== undefined && file.name !== name) {
    throw invalid(`the role file names ${JSON.stringify(file.name)}, the command ${name}`);
  }
  const given: Record<string, unknown> = {
    engine: o.engine,
    creation_statements: o.creationStatement,
    revocation_statements: o.revocationStatement,
    renew_statements: o.renewStatement,
    rollback_statements: o.rollbackStatement,
    default_ttl: o.defaultTtl === undefined ? undefined : parseDuration(o.defaultTtl, '--default-ttl'),
    max_ttl: o.maxTtl === undefined ? undefined : parseDuration(o.maxTtl, '--max-ttl'),
    username_template: o.usernameTemplate,
  };
  const options = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined));
  return parseRequest(LeaseRole, { ...file, ...options, name });
}
