import { z } from 'zod';
import { isSecretFieldName } from './secret-fields.js';
import { CONTROL, SECRET_LIMITS } from './bounds.js';

/**
 * Credential types: what a credential's fields are, each with a kind, whether it is required, a
 * default and a check. Defined once here as data, from which each field's zod schema is built
 * (fieldSchemaOf): the vault validates a write with them (checkCredentialFields), the CLI and the web
 * console build their forms from the same definitions. Values travel as strings (a number as its decimal form, a boolean
 * as `true`/`false`), as every secret value does, so a credential's fields are also its values.
 *
 * Kinds `password` and `hidden` are secret: encrypted with the rest of the version and never shown.
 * The others are metadata as well: lists, events and the operator API show them, so such a field may
 * not be named like a secret (hatch would park every event that carried it).
 */

export const FieldKind = z.enum(['string', 'password', 'number', 'boolean', 'options', 'hidden']);
export type FieldKind = z.infer<typeof FieldKind>;

export const SECRET_KINDS: ReadonlySet<FieldKind> = new Set(['password', 'hidden']);
export const isSecretKind = (kind: FieldKind): boolean => SECRET_KINDS.has(kind);

/** A check beyond the kind: a host name or address, a TCP port, an http(s) URL. */
export const FieldFormat = z.enum(['host', 'port', 'url']);
export type FieldFormat = z.infer<typeof FieldFormat>;

/** A field's name: also its value's name (`host`, `client_secret`). */
export const FieldName = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, { message: 'a field is named like client_id' });

/** How a credential of the type is tested: which protocol `test` speaks (null: the type has no test). */
export const Tester = z.enum([
  'postgres',
  'mysql',
  'redis',
  'amqp',
  'mongodb',
  'http_bearer',
  'http_basic',
  'api_key',
  'oauth2_client_credentials',
  'aws',
  'ssh',
]);
export type Tester = z.infer<typeof Tester>;

/** The fields each tester reads: a custom type naming a tester must have them (optional ones may be absent). */
export const TESTER_FIELDS: Readonly<Record<Tester, { required: readonly string[]; optional: readonly string[] }>> = {
  postgres: { required: ['host', 'port', 'username', 'password'], optional: ['database', 'sslmode'] },
  mysql: { required: ['host', 'port', 'username', 'password'], optional: ['database', 'ssl'] },
  redis: { required: ['host', 'port'], optional: ['username', 'password', 'db', 'tls'] },
  amqp: { required: ['host', 'port', 'username', 'password'], optional: ['vhost', 'tls'] },
  mongodb: { required: ['host', 'port', 'username', 'password'], optional: ['database', 'auth_source'] },
  http_bearer: { required: ['url', 'token'], optional: [] },
  http_basic: { required: ['url', 'username', 'password'], optional: [] },
  api_key: { required: ['url', 'key_name', 'location', 'key'], optional: [] },
  oauth2_client_credentials: { required: ['token_url', 'client_id', 'client_secret'], optional: ['scope', 'audience'] },
  aws: { required: ['access_key_id', 'secret_access_key', 'region'], optional: ['session_token', 'endpoint'] },
  ssh: { required: ['host', 'port', 'username', 'private_key'], optional: ['passphrase', 'host_key_sha256'] },
};

const Default = z.union([z.string().max(1024), z.number(), z.boolean()]);

export const FieldSpec = z
  .object({
    name: FieldName,
    display_name: z.string().min(1).max(64),
    kind: FieldKind,
    required: z.boolean().default(false),
    /** Applied when the field is absent. Never on a secret kind: a default would be a value everyone knows. */
    default: Default.optional(),
    format: FieldFormat.optional(),
    /** The choices of an `options` field. */
    options: z.array(z.string().min(1).max(64)).min(1).max(64).optional(),
    /** Bounds of a `number` field. */
    min: z.number().optional(),
    max: z.number().optional(),
    /** Longest value in bytes (at most the vault's per-value limit). */
    max_bytes: z.number().int().positive().max(SECRET_LIMITS.valueBytes).optional(),
    description: z.string().max(512).optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const fail = (message: string) => ctx.addIssue({ code: 'custom', message, path: [spec.name] });
    if (isSecretKind(spec.kind) && spec.default !== undefined) fail('a secret field has no default');
    if (!isSecretKind(spec.kind) && isSecretFieldName(spec.name)) {
      fail(`${spec.name} is named like a secret: make it a password or hidden field`);
    }
    if ((spec.kind === 'options') !== (spec.options !== undefined))
      fail('options, and only an options field, list choices');
    if (spec.format && spec.kind !== 'string' && !(spec.format === 'port' && spec.kind === 'number')) {
      fail('a format applies to a string field (port: to a number field)');
    }
  });
export type FieldSpec = z.input<typeof FieldSpec>;
export type ParsedFieldSpec = z.output<typeof FieldSpec>;

export const CredentialTypeName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{1,47}$/, { message: 'a credential type is named like postgres or acme_api' });

export const CredentialCategory = z.enum(['database', 'cache', 'queue', 'http', 'cloud', 'ssh', 'generic']);
export type CredentialCategory = z.infer<typeof CredentialCategory>;

/** A credential type as an admin defines it (a system type is the same shape, kept in SYSTEM_CREDENTIAL_TYPES). */
export const CredentialTypeDefinition = z
  .object({
    name: CredentialTypeName,
    display_name: z.string().min(1).max(64),
    category: CredentialCategory,
    description: z.string().max(1024).optional(),
    fields: z.array(FieldSpec).min(1).max(SECRET_LIMITS.values),
    tester: Tester.nullable().default(null),
  })
  .strict()
  .superRefine((type, ctx) => {
    const names = type.fields.map((f) => f.name);
    if (new Set(names).size !== names.length)
      ctx.addIssue({ code: 'custom', message: 'field names are unique', path: ['fields'] });
    if (!type.fields.some((f) => isSecretKind(f.kind))) {
      ctx.addIssue({
        code: 'custom',
        message: 'a credential type has at least one password or hidden field',
        path: ['fields'],
      });
    }
    if (type.tester) {
      const missing = TESTER_FIELDS[type.tester].required.filter((name) => !names.includes(name));
      if (missing.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message: `the ${type.tester} test needs fields ${missing.join(', ')}`,
          path: ['tester'],
        });
      }
    }
  });
export type CredentialTypeDefinition = z.input<typeof CredentialTypeDefinition>;
export type ParsedCredentialType = z.output<typeof CredentialTypeDefinition>;

/** A type as the vault lists it: system or custom, and which version of it. */
export const CredentialTypeInfo = z
  .object({
    name: CredentialTypeName,
    display_name: z.string(),
    category: CredentialCategory,
    description: z.string().nullable(),
    fields: z.array(
      z
        .object({
          name: FieldName,
          display_name: z.string(),
          kind: FieldKind,
          required: z.boolean(),
          default: Default.optional(),
          format: FieldFormat.optional(),
          options: z.array(z.string()).optional(),
          min: z.number().optional(),
          max: z.number().optional(),
          max_bytes: z.number().int().optional(),
          description: z.string().optional(),
        })
        .strict(),
    ),
    tester: Tester.nullable(),
    system: z.boolean(),
    version: z.number().int().positive(),
  })
  .strict();
export type CredentialTypeInfo = z.infer<typeof CredentialTypeInfo>;

/** The type of every secret written without one: up to 32 named values, every one secret. */
export const GENERIC_TYPE = 'generic';

const host = (display = 'Host') =>
  ({ name: 'host', display_name: display, kind: 'string', required: true, format: 'host' }) as const;
const port = (value: number) =>
  ({ name: 'port', display_name: 'Port', kind: 'number', format: 'port', default: value }) as const;
const username = (required = true) => ({ name: 'username', display_name: 'User', kind: 'string', required }) as const;
const password = (required = true) =>
  ({ name: 'password', display_name: 'Password', kind: 'password', required }) as const;
const url = (name = 'url', display = 'URL') =>
  ({ name, display_name: display, kind: 'string', required: true, format: 'url' }) as const;
const flag = (name: string, display: string) =>
  ({ name, display_name: display, kind: 'boolean', default: false }) as const;

const systemTypes: CredentialTypeDefinition[] = [
  {
    name: 'postgres',
    display_name: 'PostgreSQL',
    category: 'database',
    tester: 'postgres',
    fields: [
      host(),
      port(5432),
      { name: 'database', display_name: 'Database', kind: 'string', default: 'postgres' },
      username(),
      password(),
      {
        name: 'sslmode',
        display_name: 'SSL mode',
        kind: 'options',
        options: ['disable', 'prefer', 'require', 'verify-full'],
        default: 'prefer',
      },
    ],
  },
  {
    name: 'mysql',
    display_name: 'MySQL / MariaDB',
    category: 'database',
    tester: 'mysql',
    fields: [
      host(),
      port(3306),
      { name: 'database', display_name: 'Database', kind: 'string' },
      username(),
      password(),
      flag('ssl', 'Use TLS'),
    ],
  },
  {
    name: 'redis',
    display_name: 'Redis',
    category: 'cache',
    tester: 'redis',
    fields: [
      host(),
      port(6379),
      { name: 'username', display_name: 'User (ACL)', kind: 'string' },
      password(),
      { name: 'db', display_name: 'Database number', kind: 'number', min: 0, max: 15, default: 0 },
      flag('tls', 'Use TLS'),
    ],
  },
  {
    name: 'rabbitmq',
    display_name: 'RabbitMQ (AMQP)',
    category: 'queue',
    tester: 'amqp',
    fields: [
      host(),
      port(5672),
      { name: 'vhost', display_name: 'Virtual host', kind: 'string', default: '/' },
      username(),
      password(),
      flag('tls', 'Use TLS'),
    ],
  },
  {
    name: 'mongodb',
    display_name: 'MongoDB',
    category: 'database',
    tester: 'mongodb',
    fields: [
      host(),
      port(27017),
      { name: 'database', display_name: 'Database', kind: 'string', default: 'admin' },
      { name: 'auth_source', display_name: 'Authentication database', kind: 'string', default: 'admin' },
      username(),
      password(),
    ],
  },
  {
    name: 'http_bearer',
    display_name: 'HTTP bearer token',
    category: 'http',
    tester: 'http_bearer',
    fields: [
      url('url', 'URL the test requests'),
      { name: 'token', display_name: 'Token', kind: 'password', required: true },
    ],
  },
  {
    name: 'http_basic',
    display_name: 'HTTP basic auth',
    category: 'http',
    tester: 'http_basic',
    fields: [url('url', 'URL the test requests'), username(), password()],
  },
  {
    name: 'api_key',
    display_name: 'API key',
    category: 'http',
    tester: 'api_key',
    fields: [
      url('url', 'URL the test requests'),
      { name: 'key_name', display_name: 'Header or parameter name', kind: 'string', default: 'X-API-Key' },
      { name: 'location', display_name: 'Sent in', kind: 'options', options: ['header', 'query'], default: 'header' },
      { name: 'key', display_name: 'API key', kind: 'password', required: true },
    ],
  },
  {
    name: 'oauth2_client_credentials',
    display_name: 'OAuth2 client credentials',
    category: 'http',
    tester: 'oauth2_client_credentials',
    fields: [
      url('token_url', 'Token endpoint'),
      { name: 'client_id', display_name: 'Client id', kind: 'string', required: true },
      { name: 'client_secret', display_name: 'Client secret', kind: 'password', required: true },
      { name: 'scope', display_name: 'Scope', kind: 'string' },
      { name: 'audience', display_name: 'Audience', kind: 'string' },
    ],
  },
  {
    name: 'aws_access_key',
    display_name: 'AWS access key',
    category: 'cloud',
    tester: 'aws',
    fields: [
      { name: 'access_key_id', display_name: 'Access key id', kind: 'string', required: true, max_bytes: 128 },
      { name: 'secret_access_key', display_name: 'Secret access key', kind: 'password', required: true },
      { name: 'session_token', display_name: 'Session token', kind: 'password' },
      { name: 'region', display_name: 'Region', kind: 'string', default: 'us-east-1' },
      {
        name: 'endpoint',
        display_name: 'STS endpoint (default: AWS)',
        kind: 'string',
        format: 'url',
        description: 'where the test calls GetCallerIdentity; https://sts.<region>.amazonaws.com when absent',
      },
    ],
  },
  {
    name: 'ssh_private_key',
    display_name: 'SSH private key',
    category: 'ssh',
    tester: 'ssh',
    fields: [
      host(),
      port(22),
      username(),
      { name: 'private_key', display_name: 'Private key (OpenSSH or PEM)', kind: 'password', required: true },
      { name: 'passphrase', display_name: 'Passphrase', kind: 'password' },
      {
        name: 'host_key_sha256',
        display_name: 'Host key fingerprint (SHA256:…)',
        kind: 'string',
        description:
          'the test refuses a server presenting another key; absent, any key is accepted and its fingerprint reported',
      },
    ],
  },
];

/** The system types, parsed once: the generic type is not among them (its fields are the caller's). */
export const SYSTEM_CREDENTIAL_TYPES: ReadonlyMap<string, ParsedCredentialType> = new Map(
  systemTypes.map((type) => {
    const parsed = CredentialTypeDefinition.parse(type);
    return [parsed.name, parsed] as const;
  }),
);

/** A field refused by its type: which field and why, never its value. */
export const FieldError = z
  .object({
    field: z.string(),
    code: z.enum(['VAULT.FIELD_REQUIRED', 'VAULT.FIELD_INVALID', 'VAULT.FIELD_UNKNOWN']),
    message: z.string(),
  })
  .strict();
export type FieldError = z.infer<typeof FieldError>;

const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$|^\[?[0-9a-fA-F:.]+\]?$/;
const NUMBER = /^-?(?:0|[1-9][0-9]{0,15})(?:\.[0-9]{1,15})?$/;

/** The zod schema of one field's value, as a string on the wire. */
export function fieldSchemaOf(spec: ParsedFieldSpec): z.ZodType<string> {
  let schema = z.string().max(spec.max_bytes ?? SECRET_LIMITS.valueBytes);
  if (spec.required) schema = schema.min(1, { message: `${spec.display_name} is required` });
  switch (spec.kind) {
    case 'number':
      return schema.refine(
        (v) => {
          if (!NUMBER.test(v)) return false;
          const n = Number(v);
          if (spec.format === 'port' && !(Number.isInteger(n) && n >= 1 && n <= 65535)) return false;
          return (spec.min === undefined || n >= spec.min) && (spec.max === undefined || n <= spec.max);
        },
        { message: spec.format === 'port' ? 'a port is 1-65535' : `a number${bounds(spec)}` },
      );
    case 'boolean':
      return schema.refine((v) => v === 'true' || v === 'false', { message: 'true or false' });
    case 'options':
      return schema.refine((v) => spec.options!.includes(v), { message: `one of ${spec.options!.join(', ')}` });
    case 'string':
      // Kept in clear (jsonb, which refuses NUL) and printed by lists and the CLI, where a control
      // character only hides something. Secret kinds may hold any text (a PEM key's line breaks).
      return formatted(
        schema.refine((v) => !CONTROL.test(v), { message: 'holds a control character' }),
        spec,
      );
    case 'password':
    case 'hidden':
      return formatted(schema, spec);
  }
}

/** The field's format checked (host, url) on top of `schema`. */
function formatted(schema: z.ZodType<string>, spec: ParsedFieldSpec): z.ZodType<string> {
  if (spec.format === 'host')
    return schema.refine((v) => v.length <= 253 && HOST.test(v), { message: 'a host name or an address' });
  if (spec.format === 'url') return schema.refine(isHttpUrl, { message: 'an http or https URL' });
  return schema;
}

function bounds(spec: ParsedFieldSpec): string {
  if (spec.min !== undefined && spec.max !== undefined) return ` from ${spec.min} to ${spec.max}`;
  if (spec.min !== undefined) return ` of at least ${spec.min}`;
  if (spec.max !== undefined) return ` of at most ${spec.max}`;
  return '';
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}

/**
 * A credential's values checked against its type: defaults applied to absent fields, and an error per
 * field that fails (its name and code, never its value). `values` is null when any field failed.
 */
export function checkCredentialFields(
  type: ParsedCredentialType,
  given: Readonly<Record<string, string>>,
): { values: Record<string, string>; errors: [] } | { values: null; errors: FieldError[] } {
  const withDefaults: Record<string, string> = {};
  const errors: FieldError[] = Object.keys(given)
    .filter((name) => !type.fields.some((f) => f.name === name))
    .map((field) => ({ field, code: 'VAULT.FIELD_UNKNOWN', message: `${type.name} has no field ${field}` }));
  for (const spec of type.fields) {
    const value = given[spec.name];
    if (value !== undefined && value !== '') withDefaults[spec.name] = value;
    else if (spec.default !== undefined) withDefaults[spec.name] = String(spec.default);
    else if (spec.required)
      errors.push({ field: spec.name, code: 'VAULT.FIELD_REQUIRED', message: `${spec.display_name} is required` });
  }
  for (const spec of type.fields) {
    const value = withDefaults[spec.name];
    if (value === undefined) continue;
    const result = fieldSchemaOf(spec).safeParse(value);
    if (!result.success) {
      errors.push({
        field: spec.name,
        code: 'VAULT.FIELD_INVALID',
        message: result.error.issues[0]?.message ?? 'invalid',
      });
    }
  }
  return errors.length === 0 ? { values: withDefaults, errors: [] } : { values: null, errors };
}

/** The fields of a credential that are metadata (shown in lists, events and the operator API). */
export function metadataFieldsOf(
  type: ParsedCredentialType,
  values: Readonly<Record<string, string>>,
): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const spec of type.fields) {
    const value = values[spec.name];
    if (!isSecretKind(spec.kind) && value !== undefined) metadata[spec.name] = value;
  }
  return metadata;
}

/** The generic type's fields are whatever the writer names; every one is secret. */
export function genericTypeOf(valueNames: readonly string[]): ParsedCredentialType {
  return {
    name: GENERIC_TYPE,
    display_name: 'Generic',
    category: 'generic',
    fields: valueNames.map((name) => ({ name, display_name: name, kind: 'password' as const, required: true })),
    tester: null,
  };
}

/** A credential's environment: a label (`production`, `staging`), not a namespace: the path is the name. */
export const Environment = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,31}$/, { message: 'an environment is named like production' });
export const DEFAULT_ENVIRONMENT = 'production';

export const TestStatus = z.enum(['OK', 'FAILED', 'TIMEOUT']);
export type TestStatus = z.infer<typeof TestStatus>;

/** Rotate a credential every N days (null: only when asked). */
export const RotationDays = z.number().int().min(1).max(365);
