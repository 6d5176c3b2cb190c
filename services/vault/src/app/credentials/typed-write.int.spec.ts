import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CredentialSubjects,
  HatchStream,
  InvalidFieldsError,
  ServiceErrorHeaders,
  VaultSubjects,
  type CredentialTypeDefinition,
} from '@hearth/contracts';
import {
  databaseText,
  eventMark,
  eventsSince,
  expectNewEvents,
  jetStreamText,
  queryDatabase,
  streamMessages,
  until,
} from '@hearth/testkit';
import { jetstreamManager } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import { signAs, startVaultHarness, type VaultHarness } from '../../test/vault-harness.js';

const CANARY = 'canary-typed-7f3a9c';

let h: VaultHarness;
beforeAll(async () => {
  h = await startVaultHarness();
});
afterAll(() => h?.close());

describe('a typed write', () => {
  it('seals every field with the defaults applied, and keeps only the non-secret ones in clear', async () => {
    const path = 'hearth/typed/db';
    const from = await eventMark(h.db.name);
    await h.root.write({
      path,
      type: 'postgres',
      environment: 'staging',
      values: { host: 'db.acme.internal', username: 'app', password: CANARY },
    });
    expect((await h.root.read(path)).values).toEqual({
      host: 'db.acme.internal',
      port: '5432',
      database: 'postgres',
      username: 'app',
      password: CANARY,
      sslmode: 'prefer',
    });
    const fields = { host: 'db.acme.internal', port: '5432', database: 'postgres', username: 'app', sslmode: 'prefer' };
    const [listed] = await h.root.list(path);
    expect(listed).toMatchObject({
      type: 'postgres',
      type_version: null,
      environment: 'staging',
      active: true,
      fields,
    });
    expect(listed!.value_names).toEqual(['database', 'host', 'password', 'port', 'sslmode', 'username']);
    const [written] = await expectNewEvents(h.db.name, from, [
      {
        type: 'SecretVersionWrittenV1',
        data: { path, type: 'postgres', type_version: null, environment: 'staging', fields },
      },
      { type: 'SecretReadV1' },
    ]);
    expect(JSON.stringify(written)).not.toContain(CANARY);
    expect(await databaseText(h.db.name)).not.toContain(CANARY);
  });

  it('refuses invalid fields over NATS, each named with its code, never a value, and records the refusal', async () => {
    const from = await eventMark(h.db.name);
    const error = await h.root
      .write({
        path: 'hearth/typed/bad',
        type: 'postgres',
        values: { host: 'db acme', port: '99999', password: CANARY, token: CANARY },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidFieldsError);
    const refused = error as InvalidFieldsError;
    expect(refused.code).toBe('VAULT.INVALID_FIELDS');
    expect(refused.fields.map((f) => `${f.field}: ${f.code}`).sort()).toEqual([
      'host: VAULT.FIELD_INVALID',
      'port: VAULT.FIELD_INVALID',
      'token: VAULT.FIELD_UNKNOWN',
      'username: VAULT.FIELD_REQUIRED',
    ]);
    expect(refused.message).toContain('username: VAULT.FIELD_REQUIRED');
    for (const text of [refused.message, JSON.stringify(refused.fields)]) {
      expect(text).not.toContain(CANARY);
      expect(text).not.toContain('db acme');
      expect(text).not.toContain('99999');
    }
    // The header itself, as any NATS client sees it.
    const { keys } = await h.principal('typed-writer', [{ pattern: 'hearth/typed/*', capabilities: ['write'] }]);
    const body = h.sealedWrite({
      path: 'hearth/typed/bad',
      type: 'redis',
      values: { host: 'cache', db: '99', password: CANARY },
    });
    const signed = headers();
    for (const [k, v] of Object.entries(signAs(VaultSubjects.write, body, 'typed-writer', keys.secretKey)))
      signed.set(k, v);
    const reply = await h.nc.request(VaultSubjects.write, new TextEncoder().encode(JSON.stringify(body)), {
      headers: signed,
      timeout: 5_000,
    });
    expect(reply.headers?.get(ServiceErrorHeaders.code)).toBe('VAULT.INVALID_FIELDS');
    expect(JSON.parse(reply.headers?.get(ServiceErrorHeaders.fields) ?? '[]')).toEqual([
      { field: 'db', code: 'VAULT.FIELD_INVALID', message: 'a number from 0 to 15' },
    ]);
    expect(reply.string()).not.toContain(CANARY);
    const events = (await eventsSince(h.db.name, from)).filter((e) => e.type === 'AccessDeniedV1');
    expect(events.map((e) => [e.data.actor, e.data.reason])).toEqual([
      ['root', 'VAULT.INVALID_FIELDS'],
      ['typed-writer', 'VAULT.INVALID_FIELDS'],
    ]);
    expect(JSON.stringify(events)).not.toContain(CANARY);
    expect(await h.root.list('hearth/typed/bad')).toEqual([]);
  });

  it('refuses an unknown type, and a type other than the path has', async () => {
    await expect(h.root.write({ path: 'hearth/typed/x', type: 'nosuch', values: { a: 'b' } })).rejects.toMatchObject({
      code: 'VAULT.TYPE_NOT_FOUND',
    });
    await h.root.write({ path: 'hearth/typed/cache', type: 'redis', values: { host: 'cache', password: CANARY } });
    await expect(
      h.root.write({ path: 'hearth/typed/cache', values: { REDIS_PASSWORD: CANARY } }),
    ).rejects.toMatchObject({ code: 'VAULT.TYPE_CONFLICT' });
  });

  it('takes a rotation schedule with a generated credential only, in the write’s transaction', async () => {
    await expect(
      h.root.write({
        path: 'hearth/typed/user',
        type: 'redis',
        values: { host: 'cache', password: CANARY },
        rotation_days: 30,
      }),
    ).rejects.toMatchObject({ code: 'VAULT.ROTATION_UNSUPPORTED' });
    expect(await h.root.list('hearth/typed/user')).toEqual([]);
    const from = await eventMark(h.db.name);
    const path = 'hearth/typed/auto';
    await h.root.write({
      path,
      provider: 'AUTO_MANAGED',
      type: 'redis',
      values: { host: 'cache', password: CANARY },
      rotation_days: 30,
    });
    const [written, scheduled] = await expectNewEvents(h.db.name, from, [
      { type: 'SecretVersionWrittenV1', data: { path, version: 1 } },
      { type: 'CredentialScheduleSetV1', data: { path, every_days: 30 } },
    ]);
    // One transaction: both events were appended by one command path, one after the other on the stream.
    expect([written!.stream, written!.version, scheduled!.stream, scheduled!.version]).toEqual([
      `secret-${path}`,
      1,
      `secret-${path}`,
      2,
    ]);
    const [listed] = await h.root.list(path);
    expect(listed!.rotation_days).toBe(30);
    expect(Date.parse(listed!.next_rotation_at!) - Date.parse(listed!.updated_at)).toBeGreaterThanOrEqual(
      29 * 86_400_000,
    );
  });
});

describe('a custom credential type', () => {
  const acme: CredentialTypeDefinition = {
    name: 'acme_api',
    display_name: 'Acme API',
    category: 'http',
    fields: [
      { name: 'url', display_name: 'URL', kind: 'string', required: true, format: 'url' },
      { name: 'key', display_name: 'Key', kind: 'password', required: true },
    ],
  };

  it('is defined by a writer of its path, versioned, recorded in HATCH, listed, and used by writes', async () => {
    const { client: stranger } = await h.principal('stranger', [
      { pattern: 'hearth/*', capabilities: ['write', 'read'] },
    ]);
    await expect(stranger.defineCredentialType(acme)).rejects.toMatchObject({ code: 'VAULT.POLICY_DENIED' });

    const from = await eventMark(h.db.name);
    expect(await h.root.defineCredentialType(acme)).toMatchObject({ name: 'acme_api', version: 1, system: false });
    await h.root.write({
      path: 'hearth/acme/api',
      type: 'acme_api',
      values: { url: 'https://api.acme.test', key: CANARY },
    });
    await expect(
      h.root.write({ path: 'hearth/acme/api2', type: 'acme_api', values: { key: CANARY } }),
    ).rejects.toMatchObject({
      code: 'VAULT.INVALID_FIELDS',
      fields: [expect.objectContaining({ field: 'url', code: 'VAULT.FIELD_REQUIRED' })],
    });

    const v2: CredentialTypeDefinition = {
      ...acme,
      fields: [
        ...acme.fields,
        { name: 'region', display_name: 'Region', kind: 'options', options: ['eu', 'us'], default: 'eu' },
      ],
    };
    expect(await h.root.defineCredentialType(v2)).toMatchObject({ version: 2 });
    await h.root.write({
      path: 'hearth/acme/api3',
      type: 'acme_api',
      values: { url: 'https://api.acme.test', key: CANARY },
    });
    expect((await h.root.list('hearth/acme/')).map((s) => [s.path, s.type_version, s.fields])).toEqual([
      ['hearth/acme/api', 1, { url: 'https://api.acme.test' }],
      ['hearth/acme/api3', 2, { url: 'https://api.acme.test', region: 'eu' }],
    ]);
    // Any known signer sees the types: the system ones (version 1) and the custom one at its latest.
    const types = await stranger.credentialTypes();
    expect(types.filter((t) => t.system).map((t) => [t.name, t.version])).toContainEqual(['postgres', 1]);
    expect(types.filter((t) => t.system)).toHaveLength(11);
    expect(types.filter((t) => !t.system).map((t) => [t.name, t.version, t.fields.length])).toEqual([
      ['acme_api', 2, 3],
    ]);

    const defined = await eventsSince(h.db.name, from, { type: 'CredentialTypeDefinedV1' });
    expect(defined.map((e) => [e.stream, e.version, e.data.version, e.data.by])).toEqual([
      ['credential-type-acme_api', 1, 1, 'root'],
      ['credential-type-acme_api', 2, 2, 'root'],
    ]);
    await until(
      async () => (await queryDatabase<{ n: number }>(h.db.name, 'SELECT count(*)::int AS n FROM outbox'))[0]!.n === 0,
      { what: 'the outbox drained' },
    );
    const hatch = await streamMessages(await jetstreamManager(h.nc), HatchStream.name);
    expect(hatch.filter((m) => m.subject === 'hatch.vault.credential-type.define')).toHaveLength(2);
    expect(await jetStreamText(await jetstreamManager(h.nc))).not.toContain(CANARY);
  });

  it('may not take a system type’s name, or generic, and is refused when malformed', async () => {
    for (const name of ['postgres', 'generic']) {
      await expect(h.root.defineCredentialType({ ...acme, name })).rejects.toMatchObject({ code: 'VAULT.SYSTEM_TYPE' });
    }
    const { keys } = await h.principal('type-admin', [{ pattern: 'credential-types/*', capabilities: ['write'] }]);
    const noSecret = { ...acme, name: 'acme_plain', fields: [acme.fields[0]] };
    const reply = await h.raw(
      CredentialSubjects.defineType,
      noSecret,
      signAs(CredentialSubjects.defineType, noSecret, 'type-admin', keys.secretKey),
    );
    expect(reply.code).toBe('HEARTH.INVALID_REQUEST');
    expect((await h.root.credentialTypes()).map((t) => t.name)).not.toContain('acme_plain');
  });
});
