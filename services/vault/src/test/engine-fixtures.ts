import type { EngineConfig, EngineInfo } from '@hearth/contracts';
import type { PostgresCluster } from '@hearth/testkit';
import pg from 'pg';
import type { VaultHarness } from './vault-harness.js';

/** Where a test keeps engine `name`'s root credential. */
export const rootPathOf = (name: string): string => `infra/postgres/${name}/root`;

/**
 * Writes `login` as engine `name`'s root credential (the cluster's superuser unless given), then
 * configures the engine on `cluster` as root.
 */
export async function configureOn(
  h: VaultHarness,
  cluster: PostgresCluster,
  name: string,
  {
    login = { username: cluster.user, password: cluster.password },
    ...more
  }: { login?: { username: string; password: string } } & Partial<EngineConfig> = {},
): Promise<EngineInfo> {
  await h.root.write({ path: rootPathOf(name), values: login });
  return h.root.configureEngine({
    name,
    host: cluster.host,
    port: cluster.port,
    database: 'postgres',
    sslmode: 'disable',
    root_path: rootPathOf(name),
    ...more,
  });
}

/** Whether `username` logs in to `cluster` with `password` (SCRAM, really checked). */
export async function logsIn(cluster: PostgresCluster, username: string, password: string): Promise<boolean> {
  const client = new pg.Client({
    host: cluster.host,
    port: cluster.port,
    database: 'postgres',
    user: username,
    password,
  });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Runs `sql` on `cluster` as its superuser, logging in with `password` (the cluster's own unless a rotation changed it). */
export async function asSuperuser<T extends pg.QueryResultRow>(
  cluster: PostgresCluster,
  sql: string,
  password = cluster.password,
): Promise<T[]> {
  const client = new pg.Client({
    host: cluster.host,
    port: cluster.port,
    database: 'postgres',
    user: cluster.user,
    password,
  });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}
