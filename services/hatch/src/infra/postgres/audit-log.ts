import { EMPTY_CHAIN, type ChainHead } from '@hearth/audit-chain';
import type { AuditRecord, AuditRecordPage, AuditRecordQuery } from '@hearth/contracts';
import type { Transaction } from '@hearth/platform/ports';
import { managerOf, type FastPath, type PreparedStatement } from '@hearth/platform/postgres';
import type { DataSource, EntityMetadata, Repository, SelectQueryBuilder } from 'typeorm';
import type { AuditLogAppender, AuditLogReader, RecordSearch } from '../../app/ports.js';
import { AuditLogEntity } from './entities.js';

/**
 * `audit_log`. Appends run in the ingest's transaction, reads on the pool. Nothing here updates or
 * deletes: the table refuses it anyway.
 */
export class AuditLogTable implements AuditLogAppender, AuditLogReader {
  private readonly records: Repository<AuditLogEntity>;
  private readonly appendStatement: PreparedStatement;

  constructor(
    dataSource: DataSource,
    private readonly fastPath: FastPath,
  ) {
    this.records = dataSource.getRepository(AuditLogEntity);
    this.appendStatement = unnestInsert(this.records.metadata, 'hatch_audit_log_append');
  }

  head(tx: Transaction): Promise<ChainHead> {
    return headOf(managerOf(tx).getRepository(AuditLogEntity));
  }

  async recordedEvents(tx: Transaction, eventIds: readonly string[]): Promise<Set<string>> {
    if (eventIds.length === 0) return new Set();
    const rows = await managerOf(tx)
      .getRepository(AuditLogEntity)
      .createQueryBuilder('r')
      .select('r.event_id', 'event_id')
      .where('r.event_id = ANY(:eventIds)', { eventIds })
      .getRawMany<{ event_id: string }>();
    return new Set(rows.map((r) => r.event_id));
  }

  /** The ingest's hot statement: a whole batch in one prepared INSERT, one array per column. */
  async append(tx: Transaction, records: readonly AuditRecord[]): Promise<void> {
    if (records.length === 0) return;
    const columns = this.records.metadata.columns.map(({ propertyName, type }) =>
      records.map((record) => {
        const value = record[propertyName as keyof AuditRecord];
        return type === 'jsonb' && value !== null ? JSON.stringify(value) : value;
      }),
    );
    await this.fastPath.query(this.appendStatement, columns, tx);
  }

  committedHead(): Promise<ChainHead> {
    return headOf(this.records);
  }

  async headSeq(): Promise<number> {
    return (await this.committedHead()).seq;
  }

  async search(query: RecordSearch): Promise<AuditRecordPage> {
    const head = query.throughSeq ?? (await this.headSeq());
    const rows = await this.searchQuery(query, head).getMany();
    const items = rows.slice(0, query.limit);
    const more = rows.length > query.limit;
    return { items, next_cursor: more ? (items.at(-1)?.seq ?? null) : null, head_seq: head };
  }

  /** What `search` runs for `query` up to `head`: one more row than the limit, to tell if more follow. */
  searchQuery(query: AuditRecordQuery, head: number): SelectQueryBuilder<AuditLogEntity> {
    const select = this.records.createQueryBuilder('r').where('r.seq <= :head', { head });
    for (const [field, condition] of Object.entries(FILTERS)) {
      const value = query[field as keyof typeof FILTERS];
      if (value !== undefined) select.andWhere(condition, { [field]: value });
    }
    return select.orderBy('r.seq', query.order === 'desc' ? 'DESC' : 'ASC').limit(query.limit + 1);
  }
}

/** Each filter of a search, its parameter named after the query's field. */
const FILTERS = {
  actor: 'r.actor = :actor',
  // starts_with takes the prefix literally (no LIKE wildcards to escape) and, from Postgres 15 on,
  // reads audit_log_path (text_pattern_ops) as a range: audit-log-search.int.spec.ts shows the plan.
  path_prefix: 'starts_with(r.subject_path, :path_prefix)',
  workspace: 'r.workspace_slug = :workspace',
  username: "r.data->>'username' = :username",
  source: 'r.source = :source',
  action: 'r.action = :action',
  outcome: 'r.outcome = :outcome',
  from: 'r.occurred_at >= :from',
  to: 'r.occurred_at < :to',
  after_seq: 'r.seq > :after_seq',
  before_seq: 'r.seq < :before_seq',
} satisfies Partial<Record<keyof AuditRecordQuery, string>>;

async function headOf(records: Repository<AuditLogEntity>): Promise<ChainHead> {
  const [last] = await records.find({ select: { seq: true, hash: true }, order: { seq: 'DESC' }, take: 1 });
  return last ? { seq: last.seq, hash: last.hash } : EMPTY_CHAIN;
}

/** `INSERT … SELECT * FROM unnest($1::type[], …)` over every column of `entity`, in its order. */
function unnestInsert(entity: EntityMetadata, name: string): PreparedStatement {
  const columns = entity.columns;
  const arrays = columns.map((column, i) => `$${i + 1}::${String(column.type)}[]`);
  return {
    name,
    text: `INSERT INTO ${entity.tableName} (${columns.map((c) => c.databaseName).join(', ')})
      SELECT * FROM unnest(${arrays.join(', ')})`,
  };
}
