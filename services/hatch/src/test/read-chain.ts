import type { AuditCheckpoint, AuditRecord } from '@hearth/contracts';
import type { EntityManager } from 'typeorm';
import { AuditLogEntity, CheckpointEntity } from '../infra/postgres/entities.js';

/** The whole log as a verifier reads it: records by seq, and the checkpoints. */
export async function readChain(
  db: EntityManager,
): Promise<{ records: AuditRecord[]; checkpoints: AuditCheckpoint[] }> {
  const records = await db.find(AuditLogEntity, { order: { seq: 'ASC' } });
  const checkpoints = await db.find(CheckpointEntity, { order: { seq: 'ASC' } });
  return { records, checkpoints };
}
