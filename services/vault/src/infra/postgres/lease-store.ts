import type { Transaction } from '@hearth/platform/ports';
import { managerOf } from '@hearth/platform/postgres';
import type { DataSource, EntityManager } from 'typeorm';
import type {
  EngineStore,
  LeaseChange,
  LeaseFilter,
  LeaseStore,
  RoleStore,
  RowLock,
  SealedVersion,
  StoredEngine,
  StoredLease,
  StoredRole,
} from '../../app/ports.js';
import { LeaseEngineRecord, LeaseRecord, LeaseRoleRecord } from './entities.js';

/** A manager: the transaction's (its reads locking the rows they find) or the data source's. */
function within(
  dataSource: DataSource,
  tx: Transaction | undefined,
  lock: RowLock = 'update',
): { manager: EntityManager; lock?: { mode: 'pessimistic_write' | 'pessimistic_read' } } {
  if (!tx) return { manager: dataSource.manager };
  return { manager: managerOf(tx), lock: { mode: lock === 'share' ? 'pessimistic_read' : 'pessimistic_write' } };
}

const SEALED_PARTS = ['nonce', 'ciphertext', 'wrappedDek', 'dekNonce'] as const;

function sealedToJson(sealed: SealedVersion): Record<string, string> {
  const parts: Record<string, string> = { kekId: sealed.kekId, format: sealed.format };
  for (const part of SEALED_PARTS) parts[part] = Buffer.from(sealed[part]).toString('base64');
  return parts;
}

function sealedFromJson(parts: Record<string, string>): SealedVersion {
  const bytes = (part: (typeof SEALED_PARTS)[number]) => Buffer.from(parts[part] ?? '', 'base64');
  return {
    kekId: parts.kekId ?? '',
    format: parts.format ?? '',
    nonce: bytes('nonce'),
    ciphertext: bytes('ciphertext'),
    wrappedDek: bytes('wrappedDek'),
    dekNonce: bytes('dekNonce'),
  };
}

function engineOf(row: LeaseEngineRecord): StoredEngine {
  const { pendingRoot, rotationStep, ...rest } = row;
  return {
    ...rest,
    rotation: pendingRoot && rotationStep ? { step: rotationStep, sealed: sealedFromJson(pendingRoot) } : null,
  };
}

function engineRow(engine: StoredEngine): LeaseEngineRecord {
  const { rotation, ...rest } = engine;
  return {
    ...rest,
    pendingRoot: rotation ? sealedToJson(rotation.sealed) : null,
    rotationStep: rotation?.step ?? null,
  };
}

function roleOf(row: LeaseRoleRecord): StoredRole {
  return {
    name: row.name,
    engine: row.engine,
    statements: {
      creation: row.creationStatements,
      renew: row.renewStatements,
      revocation: row.revocationStatements,
      rollback: row.rollbackStatements,
    },
    defaultTtl: row.defaultTtl,
    maxTtl: row.maxTtl,
    usernameTemplate: row.usernameTemplate,
    updatedAt: row.updatedAt,
  };
}

function roleRow(role: StoredRole): LeaseRoleRecord {
  const { statements, ...rest } = role;
  return {
    ...rest,
    creationStatements: [...statements.creation],
    renewStatements: [...statements.renew],
    revocationStatements: [...statements.revocation],
    rollbackStatements: [...statements.rollback],
  };
}

function leaseOf(row: LeaseRecord): StoredLease {
  const { revocationStatements, ...rest } = row;
  return { ...rest, revocation: revocationStatements };
}

/** The columns of a raw `RETURNING *` or `SELECT *` row, by their entity names. */
function leaseOfRaw(row: Record<string, unknown>): StoredLease {
  return {
    leaseId: row.lease_id as string,
    role: row.role as string,
    engine: row.engine as string,
    workspace: row.workspace as string | null,
    username: row.username as string,
    state: row.state as StoredLease['state'],
    revocation: row.revocation_statements as string[],
    issuedBy: row.issued_by as string,
    issuedAt: row.issued_at as Date,
    expiresAt: row.expires_at as Date,
    maxExpiresAt: row.max_expires_at as Date,
    revokedAt: row.revoked_at as Date | null,
    attempts: row.attempts as number,
    nextAttemptAt: row.next_attempt_at as Date | null,
    lastError: row.last_error as string | null,
  };
}

/** Due for the sweeper: active past expiry, or creating since before `$2` (its intent outlived the request). */
const DUE = `((state = 'active' AND expires_at <= $1) OR (state = 'creating' AND issued_at <= $2))
             AND (next_attempt_at IS NULL OR next_attempt_at <= $1)`;

/** Engines in the vault's own database: where each database is, never its root password. */
export class PostgresEngines implements EngineStore {
  constructor(private readonly dataSource: DataSource) {}

  async find(name: string, tx?: Transaction, rowLock?: RowLock): Promise<StoredEngine | null> {
    const { manager, lock } = within(this.dataSource, tx, rowLock);
    const row = await manager.findOne(LeaseEngineRecord, {
      where: { name },
      ...(lock ? { lock } : {}),
    });
    return row ? engineOf(row) : null;
  }

  async list(): Promise<StoredEngine[]> {
    return (await this.dataSource.manager.find(LeaseEngineRecord, { order: { name: 'ASC' } })).map(engineOf);
  }

  async save(tx: Transaction, engine: StoredEngine): Promise<void> {
    await managerOf(tx).upsert(LeaseEngineRecord, engineRow(engine), ['name']);
  }

  async delete(tx: Transaction, name: string): Promise<void> {
    const manager = managerOf(tx);
    await manager.delete(LeaseRoleRecord, { engine: name });
    await manager.delete(LeaseEngineRecord, { name });
  }
}

export class PostgresRoles implements RoleStore {
  constructor(private readonly dataSource: DataSource) {}

  async find(name: string, tx?: Transaction, rowLock?: RowLock): Promise<StoredRole | null> {
    const { manager, lock } = within(this.dataSource, tx, rowLock);
    const row = await manager.findOne(LeaseRoleRecord, {
      where: { name },
      ...(lock ? { lock } : {}),
    });
    return row ? roleOf(row) : null;
  }

  async list(engine?: string): Promise<StoredRole[]> {
    const rows = await this.dataSource.manager.find(LeaseRoleRecord, {
      where: engine === undefined ? {} : { engine },
      order: { name: 'ASC' },
    });
    return rows.map(roleOf);
  }

  async save(tx: Transaction, role: StoredRole): Promise<boolean> {
    const manager = managerOf(tx);
    const existed = await manager.existsBy(LeaseRoleRecord, { name: role.name });
    await manager.upsert(LeaseRoleRecord, roleRow(role), ['name']);
    return !existed;
  }

  async delete(tx: Transaction, name: string): Promise<boolean> {
    const { affected } = await managerOf(tx).delete(LeaseRoleRecord, { name });
    return (affected ?? 0) > 0;
  }
}

/** Leases: who has which user until when; never a leased password. */
export class PostgresLeases implements LeaseStore {
  constructor(private readonly dataSource: DataSource) {}

  async insert(tx: Transaction, lease: StoredLease): Promise<void> {
    const { revocation, ...rest } = lease;
    await managerOf(tx).insert(LeaseRecord, { ...rest, revocationStatements: [...revocation] });
  }

  async find(leaseId: string, tx?: Transaction): Promise<StoredLease | null> {
    const { manager, lock } = within(this.dataSource, tx);
    const row = await manager.findOne(LeaseRecord, {
      where: { leaseId },
      ...(lock ? { lock } : {}),
    });
    return row ? leaseOf(row) : null;
  }

  async list(filter: LeaseFilter, tx?: Transaction): Promise<StoredLease[]> {
    const query = within(this.dataSource, tx)
      .manager.createQueryBuilder(LeaseRecord, 'l')
      .orderBy('l.issued_at', 'DESC')
      .limit(filter.limit);
    if (filter.role !== undefined) query.andWhere('l.role = :role', { role: filter.role });
    if (filter.engine !== undefined) query.andWhere('l.engine = :engine', { engine: filter.engine });
    if (filter.workspace !== undefined) query.andWhere('l.workspace = :workspace', { workspace: filter.workspace });
    if (filter.state !== undefined) query.andWhere('l.state = :state', { state: filter.state });
    if (filter.prefix !== undefined) {
      // starts_with, not LIKE: a prefix holding `_` or `%` means those characters, not wildcards
      query.andWhere('starts_with(l.lease_id, :prefix)', { prefix: filter.prefix });
    }
    return (await query.getMany()).map(leaseOf);
  }

  async update(tx: Transaction, leaseId: string, change: LeaseChange): Promise<void> {
    await managerOf(tx).update(LeaseRecord, { leaseId }, change);
  }

  async claimDue(
    engine: string,
    now: Date,
    creatingBefore: Date,
    claimUntil: Date,
    limit: number,
  ): Promise<StoredLease[]> {
    // TypeORM answers an UPDATE … RETURNING with [rows, affected], not the rows alone.
    const [rows]: [Array<Record<string, unknown>>, number] = await this.dataSource.query(
      `UPDATE leases SET next_attempt_at = $3
       WHERE lease_id IN (
         SELECT lease_id FROM leases WHERE engine = $4 AND ${DUE}
         ORDER BY expires_at LIMIT $5 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [now, creatingBefore, claimUntil, engine, limit],
    );
    return rows.map(leaseOfRaw);
  }

  async enginesDue(now: Date, creatingBefore: Date): Promise<string[]> {
    const rows: Array<{ engine: string }> = await this.dataSource.query(
      `SELECT DISTINCT engine FROM leases WHERE ${DUE}`,
      [now, creatingBefore],
    );
    return rows.map((row) => row.engine);
  }

  async liveCount(of: { engine: string } | { role: string }, tx?: Transaction): Promise<number> {
    const [column, value] = 'engine' in of ? ['engine', of.engine] : ['role', of.role];
    const [row] = await within(this.dataSource, tx).manager.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM leases WHERE ${column} = $1 AND state IN ('creating', 'active')`,
      [value],
    );
    return row?.n ?? 0;
  }

  async stats(now: Date): Promise<{ liveByRole: Map<string, number>; expiredUnrevoked: number; irrevocable: number }> {
    const byRole: Array<{ role: string; n: number }> = await this.dataSource.query(
      `SELECT role, count(*)::int AS n FROM leases WHERE state IN ('creating', 'active') GROUP BY role`,
    );
    const [totals] = await this.dataSource.query<Array<{ expired: number; irrevocable: number }>>(
      `SELECT count(*) FILTER (WHERE state = 'active' AND expires_at <= $1)::int AS expired,
              count(*) FILTER (WHERE state = 'irrevocable')::int AS irrevocable
       FROM leases`,
      [now],
    );
    return {
      liveByRole: new Map(byRole.map((row) => [row.role, row.n])),
      expiredUnrevoked: totals?.expired ?? 0,
      irrevocable: totals?.irrevocable ?? 0,
    };
  }
}
