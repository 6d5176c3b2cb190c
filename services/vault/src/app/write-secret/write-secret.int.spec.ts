import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { databaseText, eventMark, expectNewEvents } from '@hearth/testkit';
import { randomBytes } from 'node:crypto';
import { generateSealKeys, sealToVault, VaultSubjects } from '@hearth/contracts';
import { refusal, signAs, startVaultHarness, type VaultHarness } from '../../test/vault-harness.js';

describe('writing a secret', () => {
  let h: VaultHarness;
  beforeAll(async () => {
    h = await startVaultHarness();
  });
  afterAll(() => h?.close());

  it('makes a version per write, with check-and-set; a stale one is refused on the record', async () => {
    const from = await eventMark(h.db.name);
    expect(await h.root.write({ path: 'hearth/w1', values: { A_VALUE: 'one' }, cas: 0 })).toEqual({
      path: 'hearth/w1',
      version: 1,
    });
    expect(await h.root.write({ path: 'hearth/w1', values: { A_VALUE: 'two' }, cas: 1 })).toEqual({
      path: 'hearth/w1',
      version: 2,
    });
    await expect(h.root.write({ path: 'hearth/w1', values: { A_VALUE: 'three' }, cas: 1 })).rejects.toMatchObject({
      code: 'VAULT.CAS_MISMATCH',
    });
    await expectNewEvents(h.db.name, from, [
      { type: 'SecretVersionWrittenV1', data: { path: 'hearth/w1', version: 1, value_names: ['A_VALUE'] } },
      { type: 'SecretVersionWrittenV1', data: { path: 'hearth/w1', version: 2 } },
      {
        type: 'AccessDeniedV1',
        data: {
          actor: 'root',
          capability: 'write',
          path: 'hearth/w1',
          outcome: 'DENIED',
          reason: 'VAULT.CAS_MISMATCH',
        },
      },
    ]);
    expect((await h.root.read('hearth/w1')).values).toEqual({ A_VALUE: 'two' });
    expect((await h.root.read('hearth/w1', 1)).values).toEqual({ A_VALUE: 'one' });
  });

  it('never overwrites a USER credential with an AUTO_MANAGED one, and records the attempt', async () => {
    await h.root.write({ path: 'hearth/w2', values: { POSTGRES_PASSWORD: 'chosen-by-a-person' }, provider: 'USER' });
    const from = await eventMark(h.db.name);
    await expect(
      h.root.write({ path: 'hearth/w2', values: { POSTGRES_PASSWORD: 'generated' }, provider: 'AUTO_MANAGED' }),
    ).rejects.toMatchObject({ code: 'VAULT.PROVIDER_CONFLICT' });
    const refused = await h.refusalsSince(from);
    expect(refused).toEqual([refusal('AccessDeniedV1', 'root', 'VAULT.PROVIDER_CONFLICT')]);
    expect(JSON.stringify(refused)).not.toContain('generated');
  });

  it('never overwrites a USER credential with an AUTO_MANAGED one under check-and-set either', async () => {
    await h.root.write({ path: 'hearth/w2cas', values: { POSTGRES_PASSWORD: 'chosen-by-a-person' }, provider: 'USER' });
    await expect(
      h.root.write({
        path: 'hearth/w2cas',
        values: { POSTGRES_PASSWORD: 'generated' },
        provider: 'AUTO_MANAGED',
        cas: 1,
      }),
    ).rejects.toMatchObject({ code: 'VAULT.PROVIDER_CONFLICT' });
    expect((await h.root.versions('hearth/w2cas')).map((v) => v.version)).toEqual([1]);
  });

  it('never overwrites an AUTO_MANAGED credential with a USER one, with check-and-set or without', async () => {
    const path = 'hearth/w2auto';
    await h.root.write({ path, values: { POSTGRES_PASSWORD: 'generated' }, provider: 'AUTO_MANAGED' });
    for (const cas of [undefined, 1]) {
      await expect(
        h.root.write({ path, values: { POSTGRES_PASSWORD: 'mine' }, provider: 'USER', ...(cas ? { cas } : {}) }),
      ).rejects.toMatchObject({ code: 'VAULT.PROVIDER_CONFLICT' });
    }
    expect((await h.root.list(path)).map((s) => [s.current_version, s.provider])).toEqual([[1, 'AUTO_MANAGED']]);
  });

  it('refuses values in clear, on the record and without them', async () => {
    const { keys } = await h.principal('clear-writer', [{ pattern: 'hearth/*', capabilities: ['write'] }]);
    const from = await eventMark(h.db.name);
    const body = { path: 'hearth/clear', values: { K: 'in-clear-value' } };
    const answer = await h.raw(
      VaultSubjects.write,
      body,
      signAs(VaultSubjects.write, body, 'clear-writer', keys.secretKey),
    );
    expect(answer.code).toBe('VAULT.UNSEALED_VALUE');
    const refused = await h.refusalsSince(from);
    expect(refused).toEqual([
      refusal('AccessDeniedV1', 'clear-writer', 'VAULT.UNSEALED_VALUE', { path: 'hearth/clear' }),
    ]);
    expect(JSON.stringify(refused)).not.toContain('in-clear-value');
    expect(await h.root.list('hearth/clear')).toEqual([]);
  });

  it('refuses values sealed for another path, or to another key', async () => {
    const { keys } = await h.principal('lifter', [{ pattern: 'hearth/*', capabilities: ['write'] }]);
    const send = (body: unknown) =>
      h.raw(VaultSubjects.write, body, signAs(VaultSubjects.write, body, 'lifter', keys.secretKey));
    const lifted = h.sealedWrite({ path: 'hearth/victim', values: { K: 'meant-for-victim' } });
    expect((await send({ ...lifted, path: 'hearth/elsewhere' })).code).toBe('VAULT.BAD_SEAL');
    const otherKey = generateSealKeys().publicKey;
    const foreign = Buffer.from(
      sealToVault(otherKey, Buffer.from(JSON.stringify({ path: 'hearth/elsewhere', values: { K: 'v' } }))),
    ).toString('base64');
    expect((await send({ path: 'hearth/elsewhere', sealed_values: foreign })).code).toBe('VAULT.BAD_SEAL');
    expect(await h.root.list('hearth/elsewhere')).toEqual([]);
  });

  it('refuses a value over the documented limit, on the record and without the value', async () => {
    const from = await eventMark(h.db.name);
    await expect(h.root.write({ path: 'hearth/w3', values: { BIG: 'x'.repeat(16 * 1024 + 1) } })).rejects.toMatchObject(
      { code: 'VAULT.VALUE_TOO_LARGE' },
    );
    await expectNewEvents(h.db.name, from, [
      {
        type: 'AccessDeniedV1',
        data: { actor: 'root', capability: 'write', path: 'hearth/w3', reason: 'VAULT.VALUE_TOO_LARGE' },
      },
    ]);
    expect(await h.root.list('hearth/w3')).toEqual([]);
  });

  it('keeps the last N versions and shreds the older ones, on the record', async () => {
    for (let n = 1; n <= 10; n++) await h.root.write({ path: 'hearth/w5', values: { K: `value-${n}` } });
    const from = await eventMark(h.db.name);
    await h.root.write({ path: 'hearth/w5', values: { K: 'value-11' } });
    await h.root.write({ path: 'hearth/w5', values: { K: 'value-12' } });
    await expectNewEvents(h.db.name, from, [
      { type: 'SecretVersionWrittenV1', data: { version: 11 } },
      { type: 'SecretVersionsDestroyedV1', data: { versions: [1], reason: 'retention' } },
      { type: 'SecretVersionWrittenV1', data: { version: 12 } },
      { type: 'SecretVersionsDestroyedV1', data: { versions: [2], reason: 'retention' } },
    ]);
    const versions = await h.root.versions('hearth/w5');
    expect(versions.filter((v) => !v.destroyed).map((v) => v.version)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    await expect(h.root.read('hearth/w5', 2)).rejects.toMatchObject({ code: 'VAULT.SECRET_NOT_FOUND' });
  });

  it('lets a principal write only where its policy says', async () => {
    const { client } = await h.principal('writer', [
      { pattern: 'hearth/*', capabilities: ['write', 'read'] },
      { pattern: 'hearth/locked/*', capabilities: ['write'], effect: 'deny' },
    ]);
    await client.write({ path: 'hearth/open', values: { K: 'ok-value' } });
    expect((await client.read('hearth/open')).values.K).toBe('ok-value');
    const from = await eventMark(h.db.name);
    await expect(client.write({ path: 'hearth/locked', values: { K: 'no' } })).rejects.toMatchObject({
      code: 'VAULT.POLICY_DENIED',
    });
    expect(await h.refusalsSince(from)).toEqual([
      refusal('AccessDeniedV1', 'writer', 'VAULT.POLICY_DENIED', { capability: 'write', path: 'hearth/locked' }),
    ]);
  });

  it('leaves no plaintext in the database', async () => {
    const canary = `canary-${randomBytes(12).toString('hex')}`;
    await h.root.write({ path: 'hearth/canary', values: { SECRET_K: canary } });
    await h.root.read('hearth/canary');
    const text = await databaseText(h.db.name);
    for (const form of [canary, Buffer.from(canary).toString('base64'), Buffer.from(canary).toString('hex')]) {
      expect({ form, found: text.includes(form) }).toEqual({ form, found: false });
    }
  });
});
