import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { FastPath } from '@hearth/platform/postgres';
import { startVaultHarness, type VaultHarness } from '../../test/vault-harness.js';
import { PrincipalStore } from './principals.js';

describe('the principal store', () => {
  let h: VaultHarness;
  beforeAll(async () => {
    h = await startVaultHarness();
  });
  afterAll(() => h?.close());

  it('caches at most its bound of names, made-up ones included, the oldest dropped first', async () => {
    const store = new PrincipalStore(new FastPath(h.vault.runtime.dataSource), 3, h.vault.runtime.logger);
    await store.listen();
    try {
      for (let n = 0; n < 50; n++) expect(await store.find(`made-up-${n}`)).toBeNull();
      expect(store.cached).toBe(3);
      expect((await store.find('root'))?.name).toBe('root');
      expect(store.cached).toBe(3);
    } finally {
      await store.stop();
    }
  });
});
