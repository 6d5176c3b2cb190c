import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRoleFile, readRoleFile, roleRequest } from './role-spec.js';

const dir = mkdtempSync(join(tmpdir(), 'hearth-role-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const YAML_ROLE = `
name: readonly
engine: reporting
creation_statements:
  - CREATE ROLE "{{name}}" LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'
  - GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{{name}}"
default_ttl: 1h
max_ttl: 86400
`;

describe('role files', () => {
  it('reads a YAML role, TTLs as durations or seconds', async () => {
    const path = join(dir, 'role.yaml');
    writeFileSync(path, YAML_ROLE);
    expect(await readRoleFile(path)).toEqual({
      name: 'readonly',
      engine: 'reporting',
      creation_statements: [
        `CREATE ROLE "{{name}}" LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'`,
        'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{{name}}"',
      ],
      default_ttl: 3600,
      max_ttl: 86400,
    });
  });

  it('reads a JSON role by its extension', () => {
    expect(parseRoleFile('{"engine":"reporting","max_ttl":"7d"}', 'role.JSON')).toEqual({
      engine: 'reporting',
      max_ttl: 604_800,
    });
  });

  it('refuses a file it cannot read, one that does not parse, or one that is not a mapping, without echoing it', async () => {
    await expect(readRoleFile(join(dir, 'missing.yaml'))).rejects.toMatchObject({ code: 'HEARTH.INVALID_REQUEST' });
    for (const [text, path] of [
      ['{"engine": "reporting", "secret-ish', 'role.json'],
      ['engine: [unclosed', 'role.yaml'],
      ['- a\n- b\n', 'role.yaml'],
      ['just text', 'role.yaml'],
    ] as const) {
      let error: unknown;
      try {
        parseRoleFile(text, path);
      } catch (caught) {
        error = caught;
      }
      expect(error).toMatchObject({ code: 'HEARTH.INVALID_REQUEST' });
      expect((error as Error).message).not.toContain(text.slice(0, 12));
    }
  });

  it('refuses a TTL in a file that is no duration', () => {
    expect(() => parseRoleFile('default_ttl: 1.5h', 'role.yaml')).toThrow(/default_ttl/);
  });
});

describe('roleRequest', () => {
  const file = parseRoleFile(YAML_ROLE, 'role.yaml');

  it("takes the file's fields, the options given over them, and the vault's defaults for the rest", () => {
    expect(
      roleRequest('readonly', file, { maxTtl: '2d', revocationStatement: ['DROP ROLE IF EXISTS "{{name}}"'] }),
    ).toEqual({
      name: 'readonly',
      engine: 'reporting',
      creation_statements: file.creation_statements,
      revocation_statements: ['DROP ROLE IF EXISTS "{{name}}"'],
      renew_statements: [],
      rollback_statements: [],
      default_ttl: 3600,
      max_ttl: 172_800,
      username_template: 'v_{{role}}_{{random}}',
    });
  });

  it('builds a role from options alone', () => {
    expect(
      roleRequest(
        'writer',
        {},
        {
          engine: 'reporting',
          creationStatement: ['CREATE ROLE "{{name}}"'],
          defaultTtl: '15m',
          usernameTemplate: 'w_{{random}}',
        },
      ),
    ).toMatchObject({ name: 'writer', default_ttl: 900, max_ttl: 86_400, username_template: 'w_{{random}}' });
  });

  it('refuses a file naming another role, a role without statements, and a default TTL above the max', () => {
    expect(() => roleRequest('writer', file, {})).toThrow(/names "readonly"/);
    expect(() => roleRequest('writer', {}, { engine: 'reporting' })).toThrow(
      expect.objectContaining({ code: 'HEARTH.INVALID_REQUEST' }),
    );
    expect(() => roleRequest('readonly', file, { defaultTtl: '2d' })).toThrow(/default_ttl/);
  });
});
