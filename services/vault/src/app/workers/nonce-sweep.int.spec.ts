import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { queryDatabase, until } from '@hearth/testkit';
import { NonceStore } from '../../infra/postgres/nonces.js';
import { startVaultHarness, type VaultHarness } from '../../test/vault-harness.js';
import { NonceSweep } from './nonce-sweep.js';

describe('the nonce sweep', () => {
  let h: VaultHarness;
  beforeAll(async () => {
    h = await startVaultHarness();
  });
  afterAll(() => h?.close());

  const kept = async (nonce: string) =>
    (await queryDatabase(h.db.name, 'SELECT 1 FROM seen_nonces WHERE nonce = $1', [nonce])).length === 1;

  // A request may be signed up to the window ahead of the vault's clock and is fresh until the window
  // behind it: its nonce must be kept twice the window after it was seen, or it could be sent again.
  it('forgets nonces older than twice the freshness window, and keeps younger ones', async () => {
    await queryDatabase(
      h.db.name,
      `INSERT INTO seen_nonces (principal, nonce, seen_at)
       VALUES ('p', 'old', now() - interval '61 seconds'), ('p', 'young', now() - interval '55 seconds')`,
    );
    const sweep = new NonceSweep(new NonceStore(h.vault.runtime.dataSource), { error: () => undefined }, 20);
    sweep.start();
    try {
      await until(async () => !(await kept('old')), { what: 'the old nonce forgotten' });
    } finally {
      await sweep.stop();
    }
    expect(await kept('young')).toBe(true);
  });

  it('logs a sweep that failed, and sweeps again', async () => {
    const failures: Array<Record<string, unknown>> = [];
    let calls = 0;
    const failing = {
      sweep: () => (++calls === 1 ? Promise.reject(new Error('database gone')) : Promise.resolve(0)),
    };
    const sweep = new NonceSweep(failing, { error: (fields) => failures.push(fields) }, 20);
    sweep.start();
    try {
      await until(() => calls >= 2, { what: 'a second sweep' });
    } finally {
      await sweep.stop();
    }
    expect(failures).toEqual([{ err: expect.objectContaining({ message: 'database gone' }) as unknown }]);
  });
});
