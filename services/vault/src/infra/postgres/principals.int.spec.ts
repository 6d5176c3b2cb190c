import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { FastPath } from '@hearth/platform/postgres';
import { until } from '@hearth/testkit';
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

  it('keeps no lookup a change overtook: what it read before a revoke was heard is answered, not cached', async () => {
    const fastPath = new FastPath(h.vault.runtime.dataSource);
    let reachedGate = false;
    let release = () => {};
    // Its lookups read the row, then wait at a gate: a change is heard meanwhile.
    const gated = Object.assign(Object.create(fastPath) as FastPath, {
      query: async (...args: Parameters<FastPath['query']>) => {
        const rows = await fastPath.query(...args);
        reachedGate = true;
        await new Promise<void>((resolve) => (release = resolve));
        return rows;
      },
    });
    const store = new PrincipalStore(gated, 10, h.vault.runtime.logger);
    await store.listen();
    try {
      const lookup = store.find('root');
      await until(() => reachedGate, { what: 'the lookup read its row' });
      store.forget(); // as principals_changed does for a change committed after that read
      release();
      expect((await lookup)?.name).toBe('root');
      expect(store.cached).toBe(0);
    } finally {
      await store.stop();
    }
  });

  it('trusts nothing it holds once its LISTEN connection is lost, and listens again', async () => {
    const dataSource = h.vault.runtime.dataSource;
    const store = new PrincipalStore(new FastPath(dataSource), 10, h.vault.runtime.logger);
    await store.listen();
    // A change another vault commits: only its notification tells this one.
    const ruleOf = async () => (await store.find('root'))?.rules.map((r) => r.capabilities.join(','));
    const setRootCapabilities = (capabilities: string) =>
      dataSource.query(`UPDATE policy_rules SET capabilities = $1 WHERE principal = 'root'`, [`{${capabilities}}`]);
    const [before] = await dataSource.query<Array<{ capabilities: string[] }>>(
      `SELECT capabilities FROM policy_rules WHERE principal = 'root'`,
    );
    try {
      await store.find('root');
      await dataSource.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND query = 'LISTEN principals_changed' AND pid <> pg_backend_pid()`,
      );
      await until(() => !store.listening, { intervalMs: 5, what: 'the loss noticed' });
      await setRootCapabilities('read'); // its notification reaches nobody in this store
      expect(await ruleOf()).toEqual(['read']);

      await until(() => store.listening, { timeoutMs: 10_000, what: 'listening again' });
      expect(await ruleOf()).toEqual(['read']);
      await setRootCapabilities('read,list');
      await until(async () => (await ruleOf())?.[0] === 'read,list', {
        timeoutMs: 10_000,
        what: 'changes heard again',
      });
    } finally {
      await setRootCapabilities(before!.capabilities.join(','));
      await store.stop();
    }
  });
});
