import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { EngineConnection, ConnectionOf, LeasedUser, LeaseStatements, TargetDatabases } from '../../app/ports.js';
import { DdlSession } from './ddl-session.js';
import { isUnreachable, reasonOf, secretsOf, unavailable } from './failures.js';
import * as ddl from './role-ddl.js';
import { generatedPasswordVerifier, generatePassword } from './scram.js';
import { EngineQueue } from './engine-queue.js';

export interface TargetPostgresOptions {
  /** How long a connection attempt may take before the server counts as unreachable (5 s). */
  connectTimeoutMs?: number;
  /** How long one statement may run on the server before it is cancelled (30 s). */
  statementTimeoutMs?: number;
}

const APPLICATION_NAME = 'hearth-vault-leases';
type Health = Awaited<ReturnType<TargetDatabases['probe']>>;

/**
 * The Postgres servers engines mint users on. Each engine has one dedicated connection for role DDL,
 * made when first needed with the credentials the vault holds at that moment (read again on every
 * reconnect, so a rotated root is picked up), and a queue that runs its calls one at a time: Postgres
 * fails concurrent role DDL (PERF-NOTES). Engines have their own queues, so a dead server only makes
 * its own callers wait, at most the connect timeout each.
 */
export class TargetPostgres implements TargetDatabases {
  private readonly engines = new Map<string, EngineQueue>();
  private readonly connectTimeoutMs: number;
  private readonly statementTimeoutMs: number;

  constructor(
    private readonly credentials: ConnectionOf,
    options: TargetPostgresOptions = {},
  ) {
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    this.statementTimeoutMs = options.statementTimeoutMs ?? 30_000;
  }

  async probe(connection: EngineConnection): Promise<Health> {
    const client = this.client(connection);
    try {
      await client.connect();
    } catch (error) {
      const message = reasonOf(error, connection, this.connectTimeoutMs, [connection.password]);
      return { reachable: !isUnreachable(error), root_login: false, may_create_roles: false, message };
    }
    try {
      const { rows } = await client.query<{ may: boolean }>(
        'SELECT rolcreaterole OR rolsuper AS may FROM pg_roles WHERE rolname = current_user',
      );
      const may = rows[0]?.may === true;
      const message = may ? null : `user ${connection.username} may not create roles: grant it CREATEROLE`;
      return { reachable: true, root_login: true, may_create_roles: may, message };
    } catch (error) {
      const message = reasonOf(error, connection, this.connectTimeoutMs, [connection.password]);
      return { reachable: true, root_login: true, may_create_roles: false, message };
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async validate(engine: string, statements: LeaseStatements): Promise<void> {
    const sample: LeasedUser = {
      username: `hearth_validate_${randomBytes(12).toString('hex')}`,
      verifier: await generatedPasswordVerifier(generatePassword()),
      expiresAt: new Date(Date.now() + 3600_000),
    };
    await this.ddl(engine, secretsOf(sample.verifier), (s) => ddl.validate(s, sample, statements));
  }

  async createUser(engine: string, user: LeasedUser, statements: LeaseStatements): Promise<void> {
    await this.ddl(engine, secretsOf(user.verifier), (s) => ddl.createUser(s, user, statements));
  }

  async renewUser(engine: string, user: Omit<LeasedUser, 'verifier'>, statements: LeaseStatements): Promise<void> {
    await this.ddl(engine, [], (s) => ddl.renewUser(s, user, statements));
  }

  async dropUser(engine: string, username: string, revocation: readonly string[]): Promise<void> {
    await this.ddl(engine, [], (s) => ddl.dropUser(s, username, revocation));
  }

  async userExists(engine: string, username: string): Promise<boolean> {
    return this.ddl(engine, [], async (s) => {
      const rows = await s.rows('looking up a user', 'SELECT 1 FROM pg_roles WHERE rolname = $1', [username]);
      return rows.length > 0;
    });
  }

  async setRootVerifier(engine: string, verifier: string): Promise<void> {
    await this.ddl(engine, secretsOf(verifier), (s) =>
      s.exec({
        label: "setting the admin's password",
        sql: `ALTER ROLE CURRENT_USER PASSWORD ${pg.escapeLiteral(verifier)}`,
      }),
    );
  }

  /** True when `connection` logs in, false when its login is refused; unreachable is a failure, not an answer. */
  async canLogin(connection: EngineConnection): Promise<boolean> {
    const client = this.client(connection);
    try {
      await client.connect();
      return true;
    } catch (error) {
      if (error instanceof pg.DatabaseError && error.code?.startsWith('28')) return false;
      throw unavailable(connection.engine, reasonOf(error, connection, this.connectTimeoutMs, [connection.password]));
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async forget(engine: string): Promise<void> {
    await this.engines.get(engine)?.drop();
  }

  queueDepth(engine: string): number {
    return this.engines.get(engine)?.waiting ?? 0;
  }

  async close(): Promise<void> {
    await Promise.all([...this.engines.values()].map((queue) => queue.close()));
  }

  /** Runs `task` in its engine's turn, on its connection (made if needed); a lost connection is dropped after it. */
  private ddl<T>(engine: string, secrets: readonly string[], task: (s: DdlSession) => Promise<T>): Promise<T> {
    let queue = this.engines.get(engine);
    if (!queue) {
      queue = new EngineQueue(engine, (name) => this.connect(name));
      this.engines.set(engine, queue);
    }
    return queue.run((turn) =>
      task(
        new DdlSession(
          turn.client,
          engine,
          turn.connection,
          [...secrets, turn.connection.password],
          turn.lost,
          (database) => this.client({ ...turn.connection, database }),
        ),
      ),
    );
  }

  private async connect(engine: string): Promise<{ client: pg.Client; connection: EngineConnection }> {
    const connection = await this.credentials(engine);
    const client = this.client(connection);
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw unavailable(engine, reasonOf(error, connection, this.connectTimeoutMs, [connection.password]));
    }
    return { client, connection };
  }

  private client(connection: EngineConnection): pg.Client {
    const client = new ScramOnlyClient({
      host: connection.host,
      port: connection.port,
      database: connection.database,
      user: connection.username,
      password: connection.password,
      ssl: sslOf(connection),
      application_name: APPLICATION_NAME,
      connectionTimeoutMillis: this.connectTimeoutMs,
      statement_timeout: this.statementTimeoutMs,
      // A server that stops answering altogether is given a little longer than its own timeout.
      query_timeout: this.statementTimeoutMs + 5000,
      keepAlive: true,
    });
    // A connection lost while idle is reported here; the queue finds out on its next call.
    client.on('error', () => undefined);
    return client;
  }
}

/**
 * A client that gives a server its password only by SCRAM-SHA-256, which never reveals it. node-postgres
 * would send it in clear (or as an offline-crackable MD5) to any server that asks, so whoever could
 * point an engine at a server of theirs would collect the root password from the probe.
 */
class ScramOnlyClient extends pg.Client {
  _handleAuthCleartextPassword(): void {
    this.refuse('the password in clear');
  }

  _handleAuthMD5Password(): void {
    this.refuse('an MD5 of the password');
  }

  private refuse(what: string): void {
    const { stream } = (this as unknown as { connection: { stream: { destroy(error: Error): void } } }).connection;
    stream.destroy(new Error(`the server asked for ${what}; the vault logs in only by SCRAM-SHA-256`));
  }
}

function sslOf(connection: EngineConnection): pg.ClientConfig['ssl'] {
  switch (connection.sslmode) {
    case 'disable':
      return false;
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-full':
      // pg names the host for SNI and checks the certificate against it (IP addresses included).
      return { rejectUnauthorized: true };
  }
}
