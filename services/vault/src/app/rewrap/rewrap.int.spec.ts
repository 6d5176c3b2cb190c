import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { Envelope, KeyRing } from '../../infra/crypto/envelope.js';
import { SecretStore } from '../../infra/postgres/secret-store.js';
import { startVaultHarness, type VaultHarness } from '../../test/vault-harness.js';
import { Rewrap } from './rewrap.js';

describe('rewrap to a new KEK', () => {
  let h: VaultHarness;
  beforeAll(async () => {
    h = await startVaultHarness();
    for (let n = 0; n < 7; n++) await h.root.write({ path: `hearth/rw-${n}`, values: { K: `value-${n}` } });
  });
  afterAll(() => h?.close());

  it('moves every DEK, resuming where a killed run stopped, while reads go on', async () => {
    const { dataSource } = h.running.runtime;
    const oldId = h.running.ring.activeId;
    const k2 = randomBytes(32);
    const both = KeyRing.parse({
      keks: `${oldId}:${Buffer.from(h.running.ring.key(oldId)).toString('base64')},k2:${k2.toString('base64')}`,
      activeKek: 'k2',
    });
    const secrets = new SecretStore(dataSource);
    const rewrap = new Rewrap(dataSource, secrets, new Envelope(both), both);

    // Killed after its first batch of two: that batch stays committed, the rest waits.
    await expect(
      rewrap.run(2, () => {
        throw new Error('killed');
      }),
    ).rejects.toThrow('killed');
    const kekIds = async () =>
      (
        await dataSource.query<Array<{ kek_id: string }>>(
          "SELECT kek_id FROM secret_versions WHERE path LIKE 'hearth/rw-%'",
        )
      ).map((r) => r.kek_id);
    expect((await kekIds()).filter((id) => id === 'k2')).toHaveLength(2);
    // Reads go on meanwhile: this vault was started with the old KEK only, and reads what is not moved yet
    // (in production the vault restarts with both KEKs before the rewrap runs, and reads everything).
    expect((await h.root.read('hearth/rw-6')).values.K).toBe('value-6');

    expect(await rewrap.run(2)).toBe(5);
    expect(await kekIds()).toEqual(Array(7).fill('k2'));
    const onlyNew = new Envelope(KeyRing.parse({ keks: `k2:${k2.toString('base64')}`, activeKek: 'k2' }));
    for (let n = 0; n < 7; n++) {
      const stored = await secrets.findVersion(`hearth/rw-${n}`, undefined);
      expect(
        Buffer.from(onlyNew.open(stored!.sealed!, { path: `hearth/rw-${n}`, version: stored!.version })).toString(),
      ).toBe(JSON.stringify({ K: `value-${n}` }));
    }
  });
});
