import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { startPostgresCluster, type PostgresCluster } from './postgres-cluster.js';

describe('a throwaway Postgres cluster that checks passwords', () => {
  let cluster: PostgresCluster;
  const login = async (password: string) => {
    const client = new pg.Client({
      host: cluster.host,
      port: cluster.port,
      user: cluster.user,
      password,
      database: 'postgres',
    });
    await client.connect();
    try {
      return (await client.query<{ one: number }>("SELECT 1 AS one, 'statement-canary' AS canary")).rows[0]?.one;
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    cluster = await startPostgresCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('lets its superuser in over TCP with the password, and nobody with another', async () => {
    expect(await login(cluster.password)).toBe(1);
    await expect(login(`${cluster.password}x`)).rejects.toThrow(/password authentication failed/);
    expect(await cluster.logsIn(cluster.user, cluster.password)).toBe(true);
    expect(await cluster.logsIn(cluster.user, `${cluster.password}x`)).toBe(false);
  });

  it('logs every statement, so a test can look for what must never be in it', async () => {
    await login(cluster.password);
    expect(cluster.serverLog()).toContain('statement-canary');
  });
});
