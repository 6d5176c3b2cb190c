import type { EngineConfig, EngineInfo } from '@hearth/contracts';
import { TypeOrmUnitOfWork } from '@hearth/platform/postgres';
import type { PostgresCluster } from '@hearth/testkit';
import type pg from 'pg';
import type { StoredLease } from '../app/ports.js';
import { PostgresLeases } from '../infra/postgres/lease-store.js';
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

/** Runs `sql` on `cluster` as its superuser, logging in with `password` (the cluster's own unless a rotation changed it). */
export async function asSuperuser<T extends pg.QueryResultRow>(
  cluster: PostgresCluster,
  sql: string,
  password = cluster.password,
): Promise<T[]> {
  const client = cluster.client({ user: cluster.user, password });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** A live lease of role readonly on `engine`, as an issue would have left it (its user is not made). */
export async function liveLeaseOn(h: VaultHarness, engine: string, id: string): Promise<StoredLease> {
  const now = new Date();
  const lease: StoredLease = {
    leaseId: `db/creds/readonly/${id}`,
    role: 'readonly',
    engine,
    workspace: 'acme',
    username: `v_readonly_${id}`,
    state: 'active',
    revocation: [],
    issuedBy: 'app',
    issuedAt: now,
    expiresAt: new Date(now.getTime() + 3600_000),
    maxExpiresAt: new Date(now.getTime() + 7200_000),
    revokedAt: null,
    attempts: 0,
    nextAttemptAt: null,
    lastError: null,
  };
  const { dataSource } = h.vault.runtime;
  await new TypeOrmUnitOfWork(dataSource).run((tx) => new PostgresLeases(dataSource).insert(tx, lease));
  return lease;
}
