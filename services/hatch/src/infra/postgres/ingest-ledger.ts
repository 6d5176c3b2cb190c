import type { Transaction } from '@hearth/platform/ports';
import { managerOf, processedMessages } from '@hearth/platform/postgres';
import type { DataSource, Repository } from 'typeorm';
import { StaleIngestError, type IngestLedger } from '../../app/ports.js';
import { IngestPositionEntity } from './entities.js';

/**
 * `ingest_position`, and the platform's `processed_messages` ledger under hatch's consumer name, which
 * keeps every message id: an event published again after JetStream's duplicate window, as a new
 * stream message, is still taken once.
 */
export class IngestLedgerTables implements IngestLedger {
  private readonly positions: Repository<IngestPositionEntity>;

  constructor(
    dataSource: DataSource,
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

  async lock(tx: Transaction, stream: string): Promise<void> {
    await managerOf(tx)
      .getRepository(IngestPositionEntity)
      .createQueryBuilder('p')
      .setLock('pessimistic_write')
      .where('p.stream = :stream', { stream })
      .getOne();
  }

  claim(tx: Transaction, messageIds: readonly string[]): Promise<Set<string>> {
    return processedMessages.claimAll(tx, this.consumer, messageIds);
  }
}
