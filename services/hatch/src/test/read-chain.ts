import type { AuditCheckpoint, AuditRecord } from '@hearth/contracts';
import { toRecord } from '../infra/postgres/audit-log.js';

type RecordRow = Parameters<typeof toRecord>[0];
interface CheckpointRow {
  seq: string;
  hash: string;
  at: Date;
  signature: string;
}

/** Anything that runs SQL and gives back rows: an EntityManager, a pg client. */
export interface Queryable {
  query(sql: string): Promise<unknown>;
}

/** The whole log as a verifier reads it: records by seq, and the checkpoints. */
export async function readChain(db: Queryable): Promise<{ records: AuditRecord[]; checkpoints: AuditCheckpoint[] }> {
  const records = (await db.query('SELECT * FROM audit_log ORDER BY seq')) as RecordRow[];
  const checkpoints = (await db.query(
    'SELECT seq, hash, at, signature FROM checkpoints ORDER BY seq',
  )) as CheckpointRow[];
  return {
    records: records.map(toRecord),
    checkpoints: checkpoints.map((c) => ({
      seq: Number(c.seq),
      hash: c.hash,
      at: c.at.toISOString(),
      signature: c.signature,
    })),
  };
}
