import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ErrorCode, HearthError } from '@hearth/contracts';
import { queryDatabase, until } from '@hearth/testkit';
import { startVaultHarness, type VaultHarness } from './test/vault-harness.js';

/**
 * The vault's database closed to it (new connections refused, open ones cut), as a stopped server
 * looks to it, without stopping the Postgres other tests share.
 */
describe('the vault cut off from its database', () => {
  let h: VaultHarness;
  const allowConnections = (allow: boolean) =>
    queryDatabase('postgres', `ALTER DATABASE "${h.db.name}" ALLOW_CONNECTIONS ${allow ? 'true' : 'false'}`);
  beforeAll(async () => {
    h = await startVaultHarness({ LOG_LEVEL: 'info' });
  });
  afterAll(async () => {
    await allowConnections(true);
    await h?.close();
  });

  it('refuses with a code of its own, and logs the outage once and its end once, not each request', async () => {
    await h.root.list('');
    await allowConnections(false);
    await queryDatabase('postgres', 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [
      h.db.name,
    ]);
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) {
      codes.push(
        await h.root.list('').then(
          () => 'answered',
          (error: unknown) => (error instanceof HearthError ? error.code : String(error)),
        ),
      );
    }
    expect(codes).toEqual(Array(5).fill(ErrorCode.DatabaseUnavailable));

    await allowConnections(true);
    const answers = () =>
      h.root.list('').then(
        () => true,
        () => false,
      );
    await until(answers, { what: 'the vault answering again' });
    const said = h.logs.map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(said.filter((msg) => msg.startsWith('database unavailable'))).toHaveLength(1);
    expect(said.filter((msg) => msg === 'database reachable again')).toHaveLength(1);
    expect(said).not.toContain('endpoint failed');
  });
});
