import { describe, expect, it } from '@jest/globals';
import type { ParsedCredentialType, SecretMetadata, Tester } from '@hearth/contracts';
import type { Transaction } from '@hearth/platform/ports';
import type { SecretCommand } from '../../domain/secret/secret.js';
import type { SignedRequest } from '../admission/caller-identity.js';
import type { SealedVersion, StoredVersion } from '../ports.js';
import { TestCredential } from './test-credential.js';
import { TypeCatalog } from './type-catalog.js';

/**
 * Which test a credential gets, what is scrubbed, and what is recorded — the ports played by
 * in-memory stand-ins (the real ones are exercised by test-credential.int.spec.ts over NATS).
 */

const NOW = new Date('2026-12-03T08:00:00.000Z');

function metadata(path: string, type: string, more: Partial<SecretMetadata> = {}): SecretMetadata {
  return {
    path,
    current_version: 2,
    provider: 'USER',
    tags: {},
    description: null,
    expires_at: null,
    value_names: [],
    updated_at: NOW.toISOString(),
    type,
    type_version: null,
    environment: 'production',
    active: true,
    fields: {},
    last_tested: null,
    test_status: null,
    test_message: null,
    rotation_days: null,
    next_rotation_at: null,
    pending_version: null,
    last_rotated_at: null,
    ...more,
  };
}

const acmeType: ParsedCredentialType = {
  name: 'acme_api',
  display_name: 'Acme',
  category: 'http',
  tester: 'http_bearer',
  fields: [
    { name: 'url', display_name: 'URL', kind: 'string', required: true, format: 'url' },
    { name: 'token', display_name: 'Token', kind: 'password', required: true },
  ],
};

function setup(secret: SecretMetadata, values: Record<string, string>, stored: Partial<StoredVersion> = {}) {
  const plaintexts: Uint8Array[] = [];
  const tests: Array<{ tester: Tester; values: Record<string, string>; secrets: readonly string[] }> = [];
  const checks: Array<{ path: string; version: number }> = [];
  const commands: SecretCommand[] = [];
  const sealed = {} as SealedVersion;
  const useCase = new TestCredential(
    {
      runKeepingNonce: (signed, rule, operation) =>
        operation({ principal: { name: 'ops' }, nonce: 'n1' } as never, rule.parse(signed.payload)),
    },
    { run: (work) => work({} as Transaction) },
    { remember: () => Promise.resolve(true) },
    { find: (path) => Promise.resolve(secret.path === path ? secret : null) },
    {
      findForRead: () =>
        Promise.resolve({
          version: 2,
          provider: secret.provider,
          deleted: false,
          destroyed: false,
          expiresAt: null,
          active: true,
          sealed,
          ...stored,
        }),
    },
    {
      open: () => {
        const plaintext = new TextEncoder().encode(JSON.stringify(values));
        plaintexts.push(plaintext);
        return plaintext;
      },
    },
    new TypeCatalog({
      find: (name) =>
        Promise.resolve(
          name === 'acme_api'
            ? { type: acmeType, version: 1 }
            : name === 'acme_shown'
              ? {
                  type: { ...acmeType, fields: acmeType.fields.map((f) => ({ ...f, kind: 'string' as const })) },
                  version: 2,
                }
              : null,
        ),
      list: () => Promise.resolve([]),
    }),
    {
      test: (tester, given, secrets) => {
        tests.push({ tester, values: { ...given }, secrets });
        return Promise.resolve({ status: 'FAILED', message: 'the server refused the credential (HTTP 401)' });
      },
    },
    {
      check: (path, version) => {
        checks.push({ path, version });
        return Promise.resolve({ status: 'TIMEOUT', message: 'the driver did not answer within 5 s' });
      },
    },
    {
      handle: (_tx, command) => {
        commands.push(command);
        return Promise.resolve({ state: {} as never, events: [] });
      },
    },
    { now: () => NOW },
    { protocolMs: 5000, sidecarMs: 30_000 },
  );
  const run = () => useCase.run({ payload: { path: secret.path } } as SignedRequest);
  return { run, plaintexts, tests, checks, commands };
}

describe('TestCredential', () => {
  it('tests a system type with its tester, scrubs every secret-kind value, records the outcome and zeroes the plaintext', async () => {
    const values = {
      host: 'db',
      port: '5432',
      database: 'app',
      username: 'app',
      password: 'hunter2',
      sslmode: 'prefer',
    };
    // as the write kept them: the type's clear fields
    const fields = { host: 'db', port: '5432', database: 'app', username: 'app', sslmode: 'prefer' };
    const t = setup(metadata('team/db', 'postgres', { fields }), values);

    await expect(t.run()).resolves.toEqual({
      path: 'team/db',
      version: 2,
      status: 'FAILED',
      message: 'the server refused the credential (HTTP 401)',
      tested_at: NOW.toISOString(),
    });
    expect(t.tests).toEqual([{ tester: 'postgres', values, secrets: ['hunter2'] }]);
    expect(t.commands).toEqual([
      {
        type: 'RecordTest',
        path: 'team/db',
        version: 2,
        status: 'FAILED',
        message: 'the server refused the credential (HTTP 401)',
        actor: 'ops',
        now: NOW.toISOString(),
      },
    ]);
    expect(t.plaintexts.every((p) => p.every((byte) => byte === 0))).toBe(true);
  });

  it('tests a custom type with the tester it names; a value the type does not show is scrubbed too', async () => {
    const t = setup(metadata('team/acme', 'acme_api', { fields: { url: 'https://acme.test' } }), {
      url: 'https://acme.test',
      token: 'tok',
      legacy: 'old',
    });
    await t.run();
    expect(t.tests).toEqual([expect.objectContaining({ tester: 'http_bearer', secrets: ['tok', 'old'] })]);
  });

  it('scrubs what the credential was written to keep secret, even once its type is redefined to show it', async () => {
    // acme_shown's token is a clear field today; the credential was written when it was a password.
    const t = setup(metadata('team/shown', 'acme_shown', { fields: { url: 'https://acme.test' } }), {
      url: 'https://acme.test',
      token: 'tok',
    });
    await t.run();
    expect(t.tests).toEqual([expect.objectContaining({ tester: 'http_bearer', secrets: ['tok'] })]);
  });

  it("asks the driver to check a sidecar's generated credential, never opening it", async () => {
    const sidecar = metadata('hearth/ws/app/db', 'postgres', {
      provider: 'AUTO_MANAGED',
      tags: { provisioned_for_service: 'db' },
    });
    const t = setup(sidecar, { password: 'generated' });
    await expect(t.run()).resolves.toMatchObject({
      status: 'TIMEOUT',
      message: 'the driver did not answer within 5 s',
    });
    expect(t.checks).toEqual([{ path: 'hearth/ws/app/db', version: 2 }]);
    expect(t.tests).toEqual([]);
    expect(t.plaintexts).toEqual([]);
    expect(t.commands).toEqual([expect.objectContaining({ type: 'RecordTest', status: 'TIMEOUT' })]);
  });

  it('refuses a type with no test, and a credential with no current value, recording nothing', async () => {
    const generic = setup(metadata('team/plain', 'generic'), { token: 'x' });
    await expect(generic.run()).rejects.toMatchObject({ code: 'VAULT.TEST_UNSUPPORTED' });
    const gone = setup(metadata('team/gone', 'postgres'), {}, { destroyed: true, sealed: null });
    await expect(gone.run()).rejects.toMatchObject({ code: 'VAULT.SECRET_NOT_FOUND' });
    expect([...generic.commands, ...gone.commands, ...generic.tests, ...gone.tests]).toEqual([]);
  });
});
