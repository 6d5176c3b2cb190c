import { TypeOrmUnitOfWork } from '@hearth/platform/postgres';
import type { PostgresCluster } from '@hearth/testkit';
import type pg from 'pg';
import type { StoredLease } from '../app/ports.js';
import { PostgresLeases } from '../infra/postgres/lease-store.js';
import type { VaultHarness } from './vault-harness.js';

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
