import { engineRootPath, type LeaseRole } from '@hearth/contracts';
import { EventStore, FastPath, TypeOrmUnitOfWork } from '@hearth/platform/postgres';
import { randomIds, systemClock } from '@hearth/platform/runtime';
import { startPostgresCluster, type PostgresCluster } from '@hearth/testkit';
import type pg from 'pg';
import { AuditTrail } from '../app/audit-trail.js';
import { EngineCredentials } from '../app/engines/engine-credentials.js';
import { EnvelopeCipher } from '../infra/crypto/envelope-cipher.js';
import { AuditedEventStore } from '../infra/postgres/audited-events.js';
import { PostgresEngines, PostgresLeases, PostgresRoles } from '../infra/postgres/lease-store.js';
import { SecretStore } from '../infra/postgres/secret-store.js';
import type { VaultHarness } from './vault-harness.js';

/** A role's statements that make a user able to log in until its lease's expiry, and nothing more. */
export const LOGIN_ROLE = {
  creation_statements: [`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'`],
  default_ttl: 3600,
  max_ttl: 4 * 3600,
} satisfies Partial<LeaseRole>;

/** A real Postgres server with password auth, and the vault's engines and roles on it. */
export interface LeaseTarget {
  cluster: PostgresCluster;
  stores: { engines: PostgresEngines; roles: PostgresRoles; leases: PostgresLeases };
  /** Configures engine `name` on the cluster (its root credential at infra/postgres/<name>/root). */
  engine(name: string, options?: { workspace?: string | null; port?: number }): Promise<void>;
  /** Defines a role on `engine`, its built-in revocation unless it names one. */
  role(name: string, engine: string, role?: Partial<LeaseRole>): Promise<void>;
  /** A TCP connection to the cluster as `user` with `password` (scram-sha-256): rejects when refused. */
  login(user: string, password: string): Promise<pg.Client>;
  /** A query as the cluster's superuser. */
  query<T extends pg.QueryResultRow>(sql: string, values?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

/**
 * Engines and roles saved straight through the vault's stores, not through configure and role create,
 * so a test can have what those refuse (an engine whose database is down): the root credential
 * written as a secret and read back by EngineCredentials as the machinery does (its version, the read
 * recorded), then the rows saved. testkit's `configureEngineOn` goes through configure.
 */
export async function startLeaseTarget(h: VaultHarness): Promise<LeaseTarget> {
  const cluster = await startPostgresCluster();
  const dataSource = h.vault.runtime.dataSource;
  const unitOfWork = new TypeOrmUnitOfWork(dataSource);
  const stores = {
    engines: new PostgresEngines(dataSource),
    roles: new PostgresRoles(dataSource),
    leases: new PostgresLeases(dataSource),
  };
  const audit = new AuditTrail(new AuditedEventStore(new EventStore()), systemClock, randomIds);
  const credentials = new EngineCredentials(
    stores.engines,
    new SecretStore(dataSource, new FastPath(dataSource)),
    new EnvelopeCipher(h.vault.ring),
    unitOfWork,
    audit,
    randomIds,
  );
  const connect = async (user: string, password: string) => {
    const client = cluster.client({ user, password });
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    return client;
  };
  return {
    cluster,
    stores,
    engine: async (name, { workspace = 'acme', port = cluster.port } = {}) => {
      const rootPath = engineRootPath(name);
      await h.root.write({ path: rootPath, values: { username: cluster.user, password: cluster.password } });
      const { version } = await credentials.read(rootPath);
      await unitOfWork.run((tx) =>
        stores.engines.save(tx, {
          name,
          host: cluster.host,
          port,
          database: 'postgres',
          sslmode: 'disable',
          rootPath,
          workspace,
          rotationDays: null,
          rootVersion: version,
          rotation: null,
          lastRotatedAt: null,
          updatedAt: new Date(),
        }),
      );
    },
    role: async (name, engine, role = {}) => {
      const { creation_statements, default_ttl, max_ttl } = { ...LOGIN_ROLE, ...role };
      await unitOfWork.run((tx) =>
        stores.roles.save(tx, {
          name,
          engine,
          statements: {
            creation: creation_statements,
            renew: role.renew_statements ?? [],
            revocation: role.revocation_statements ?? [],
            rollback: role.rollback_statements ?? [],
          },
          defaultTtl: default_ttl,
          maxTtl: max_ttl,
          usernameTemplate: role.username_template ?? 'v_{{role}}_{{random}}',
          updatedAt: new Date(),
        }),
      );
    },
    login: connect,
    query: async <T extends pg.QueryResultRow>(sql: string, values: unknown[] = []) => {
      const client = await connect(cluster.user, cluster.password);
      try {
        return (await client.query<T>(sql, values)).rows;
      } finally {
        await client.end();
      }
    },
    stop: () => cluster.stop(),
  };
}
