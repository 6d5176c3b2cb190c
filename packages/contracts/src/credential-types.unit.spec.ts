import { describe, expect, it } from '@jest/globals';
import {
  checkCredentialFields,
  CredentialTypeDefinition,
  metadataFieldsOf,
  SYSTEM_CREDENTIAL_TYPES,
  type FieldError,
} from './credential-types.js';
import { fieldsHeaderOf, fieldsOfHeader } from './errors.js';

const CANARY = 'canary-Pa55word-never-shown';
const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----';

/** A valid credential of every system type: required fields only, defaults left to the type. */
const VALID: Record<string, Record<string, string>> = {
  postgres: { host: 'db.acme.internal', username: 'app', password: CANARY },
  mysql: { host: '127.0.0.1', username: 'app', password: CANARY },
  redis: { host: 'cache', password: CANARY },
  rabbitmq: { host: 'mq.acme.internal', username: 'app', password: CANARY },
  mongodb: { host: 'mongo', username: 'app', password: CANARY },
  http_bearer: { url: 'https://api.acme.test/me', token: CANARY },
  http_basic: { url: 'http://127.0.0.1:8080/', username: 'app', password: CANARY },
  api_key: { url: 'https://api.acme.test/v1', key: CANARY },
  oauth2_client_credentials: { token_url: 'https://auth.acme.test/token', client_id: 'app', client_secret: CANARY },
  aws_access_key: { access_key_id: 'AKIAIOSFODNN7EXAMPLE', secret_access_key: CANARY },
  ssh_private_key: { host: 'bastion.acme.test', username: 'deploy', private_key: KEY },
};

const typeOf = (name: string) => {
  const type = SYSTEM_CREDENTIAL_TYPES.get(name);
  if (!type) throw new Error(`no system type ${name}`);
  return type;
};

describe('credential types', () => {
  it('has a valid example for every system type', () => {
    expect(Object.keys(VALID).sort()).toEqual([...SYSTEM_CREDENTIAL_TYPES.keys()].sort());
  });

  it.each(Object.entries(VALID))(
    'accepts a valid %s credential, defaults applied, secrets kept out of its metadata',
    (name, values) => {
      const type = typeOf(name);
      const checked = checkCredentialFields(type, values);
      expect(checked.errors).toEqual([]);
      const normalized = checked.values!;
      for (const spec of type.fields) {
        if (spec.default !== undefined && values[spec.name] === undefined)
          expect(normalized[spec.name]).toBe(String(spec.default));
      }
      const metadata = metadataFieldsOf(type, normalized);
      expect(JSON.stringify(metadata)).not.toContain(CANARY);
      expect(JSON.stringify(metadata)).not.toContain('PRIVATE KEY');
      for (const spec of type.fields.filter((f) => f.kind === 'password' || f.kind === 'hidden')) {
        expect(metadata).not.toHaveProperty(spec.name);
      }
    },
  );

  // Each row: a type, what is changed of its valid example (undefined: removed), the field named and its code.
  const invalid: Array<[string, Record<string, string | undefined>, string, FieldError['code']]> = [
    ['postgres', { host: undefined }, 'host', 'VAULT.FIELD_REQUIRED'],
    ['postgres', { host: 'db acme' }, 'host', 'VAULT.FIELD_INVALID'],
    ['postgres', { port: '70000' }, 'port', 'VAULT.FIELD_INVALID'],
    ['postgres', { port: '54x' }, 'port', 'VAULT.FIELD_INVALID'],
    ['postgres', { sslmode: 'sometimes' }, 'sslmode', 'VAULT.FIELD_INVALID'],
    ['postgres', { password: undefined }, 'password', 'VAULT.FIELD_REQUIRED'],
    ['postgres', { token: 'x' }, 'token', 'VAULT.FIELD_UNKNOWN'],
    ['mysql', { username: '' }, 'username', 'VAULT.FIELD_REQUIRED'],
    // metadata is kept in jsonb (no NUL) and printed: no control character in it
    ['mysql', { username: 'app\u0000' }, 'username', 'VAULT.FIELD_INVALID'],
    ['postgres', { database: 'app\u001b[2J' }, 'database', 'VAULT.FIELD_INVALID'],
    ['mysql', { ssl: 'yes' }, 'ssl', 'VAULT.FIELD_INVALID'],
    ['redis', { db: '16' }, 'db', 'VAULT.FIELD_INVALID'],
    ['redis', { port: '0' }, 'port', 'VAULT.FIELD_INVALID'],
    ['redis', { tls: '1' }, 'tls', 'VAULT.FIELD_INVALID'],
    ['rabbitmq', { host: 'mq_acme!' }, 'host', 'VAULT.FIELD_INVALID'],
    ['mongodb', { port: '-1' }, 'port', 'VAULT.FIELD_INVALID'],
    ['mongodb', { username: undefined }, 'username', 'VAULT.FIELD_REQUIRED'],
    ['http_bearer', { url: 'ftp://api.acme.test' }, 'url', 'VAULT.FIELD_INVALID'],
    ['http_bearer', { token: undefined }, 'token', 'VAULT.FIELD_REQUIRED'],
    ['http_basic', { url: 'https://user:pw@api.acme.test' }, 'url', 'VAULT.FIELD_INVALID'],
    ['api_key', { location: 'body' }, 'location', 'VAULT.FIELD_INVALID'],
    ['api_key', { key: undefined }, 'key', 'VAULT.FIELD_REQUIRED'],
    ['oauth2_client_credentials', { token_url: 'not a url' }, 'token_url', 'VAULT.FIELD_INVALID'],
    ['oauth2_client_credentials', { client_id: undefined }, 'client_id', 'VAULT.FIELD_REQUIRED'],
    ['aws_access_key', { access_key_id: 'A'.repeat(129) }, 'access_key_id', 'VAULT.FIELD_INVALID'],
    ['aws_access_key', { endpoint: 'sts.local' }, 'endpoint', 'VAULT.FIELD_INVALID'],
    ['ssh_private_key', { private_key: undefined }, 'private_key', 'VAULT.FIELD_REQUIRED'],
    ['ssh_private_key', { port: '22.5' }, 'port', 'VAULT.FIELD_INVALID'],
  ];

  it.each(invalid)('refuses a %s credential with %j: names %s with %s, never a value', (name, change, field, code) => {
    const values = Object.fromEntries(
      Object.entries({ ...VALID[name], ...change }).filter(
        (entry): entry is [string, string] => entry[1] !== undefined,
      ),
    );
    const checked = checkCredentialFields(typeOf(name), values);
    expect(checked.values).toBeNull();
    expect(checked.errors.map((e) => [e.field, e.code])).toEqual([[field, code]]);
    expect(JSON.stringify(checked.errors)).not.toContain(CANARY);
    for (const value of Object.values(change)) if (value) expect(JSON.stringify(checked.errors)).not.toContain(value);
  });

  it('names every failing field at once', () => {
    const checked = checkCredentialFields(typeOf('postgres'), { host: 'db', port: '0', password: CANARY, extra: 'x' });
    expect(checked.errors.map((e) => `${e.field}: ${e.code}`).sort()).toEqual([
      'extra: VAULT.FIELD_UNKNOWN',
      'port: VAULT.FIELD_INVALID',
      'username: VAULT.FIELD_REQUIRED',
    ]);
  });

  const custom = {
    name: 'acme_api',
    display_name: 'Acme API',
    category: 'http',
    fields: [
      { name: 'url', display_name: 'URL', kind: 'string', required: true, format: 'url' },
      { name: 'key', display_name: 'Key', kind: 'password', required: true },
    ],
  };

  it('takes a custom type with at least one secret field', () => {
    expect(CredentialTypeDefinition.parse(custom)).toMatchObject({ name: 'acme_api', tester: null });
  });

  // Each row: what is wrong with the definition, and the change that makes it so.
  const refusals: Array<[string, Record<string, unknown>]> = [
    ['a name out of its grammar', { name: 'Acme-API' }],
    ['no secret field', { fields: [custom.fields[0]] }],
    ['two fields of one name', { fields: [...custom.fields, { ...custom.fields[1], display_name: 'Again' }] }],
    ['a default on a secret field', { fields: [custom.fields[0], { ...custom.fields[1], default: 'k' }] }],
    [
      'a metadata field named like a secret',
      { fields: [...custom.fields, { name: 'api_token', display_name: 'T', kind: 'string' }] },
    ],
    [
      'an options field without choices',
      { fields: [...custom.fields, { name: 'region', display_name: 'R', kind: 'options' }] },
    ],
    [
      'choices on a field that is not options',
      { fields: [...custom.fields, { name: 'mode', display_name: 'M', kind: 'string', options: ['a'] }] },
    ],
    [
      'a format on a boolean',
      { fields: [...custom.fields, { name: 'tls', display_name: 'TLS', kind: 'boolean', format: 'host' }] },
    ],
    ['a tester without the fields it reads', { tester: 'postgres' }],
    ['an unknown category', { category: 'mainframe' }],
    ['an unknown key', { owner: 'acme' }],
    ['no fields', { fields: [] }],
  ];

  it.each(refusals)('refuses a custom type with %s', (_what, change) => {
    expect(CredentialTypeDefinition.safeParse({ ...custom, ...change }).success).toBe(false);
  });
});

describe('the fields of a refusal, in a header', () => {
  it('round-trips, and keeps what fits in 4 KiB, first fields first', () => {
    const fields = [{ field: 'port', code: 'VAULT.FIELD_INVALID', message: 'a port is 1-65535' }];
    expect(fieldsOfHeader(fieldsHeaderOf(fields))).toEqual(fields);
    const many = Array.from({ length: 64 }, (_, i) => ({
      field: `f${i}`,
      code: 'VAULT.FIELD_REQUIRED',
      message: 'x'.repeat(100),
    }));
    const header = fieldsHeaderOf(many);
    expect(header.length).toBeLessThanOrEqual(4096);
    expect(header).not.toMatch(/[\r\n]/);
    const kept = fieldsOfHeader(header);
    expect(kept.length).toBeGreaterThan(10);
    expect(kept).toEqual(many.slice(0, kept.length));
  });

  it('reads nothing from an absent or foreign header', () => {
    expect(fieldsOfHeader(undefined)).toEqual([]);
    expect(fieldsOfHeader('not json')).toEqual([]);
    expect(fieldsOfHeader('[{"field":1}]')).toEqual([]);
  });
});
