import type { Transaction } from '@hearth/platform/ports';
import { managerOf, type FastPath } from '@hearth/platform/postgres';
import type { DataSource, Repository } from 'typeorm';
import { StaleIngestError, type IngestLedger } from '../../app/ports.js';
import { IngestPositionEntity } from './entities.js';

/** Every message id of a batch in one prepared statement: part of the ingest's hot path. */
const CLAIM = {
  name: 'hatch_claim_messages',
  text: `INSERT INTO processed_messages (consumer, message_id) SELECT $1, unnest($2::text[])
    ON CONFLICT DO NOTHING RETURNING message_id`,
};

/**
 * `ingest_position`, and the platform's `processed_messages` ledger under hatch's consumer name, which
 * keeps every message id: an event published again after JetStream's duplicate window, as a new
 * stream message, is still taken once.
 */
export class IngestLedgerTables implements IngestLedger {
  private readonly positions: Repository<IngestPositionEntity>;

  constructor(
    dataSource: DataSource,
    private readonly fastPath: FastPath,
    private readonly consumer: string,
  ) {
    this.positions = dataSource.getRepository(IngestPositionEntity);
  }

  async position(stream: string): Promise<number> {
    return (await this.positions.findOneBy({ stream }))?.streamSeq ?? 0;
  }

  async advance(tx: Transaction, stream: string, from: number, to: number): Promise<void> {
    const moved = await managerOf(tx)
      .getRepository(IngestPositionEntity)
      .update({ stream, streamSeq: from }, { streamSeq: to });
    if (moved.affected !== 1) throw new StaleIngestError(stream, from);
  }

  async claim(tx: Transaction, messageIds: readonly string[]): Promise<Set<string>> {
    const rows = await this.fastPath.query<{ message_id: string }>(
      CLAIM,
      [this.consumer, [...new Set(messageIds)]],
      tx,
    );
    return new Set(rows.map((r) => r.message_id));
  }
}
