import type { AuditCheckpoint } from '@hearth/contracts';
import type { Transaction } from '@hearth/platform/ports';
import { managerOf } from '@hearth/platform/postgres';
import { Between, type DataSource, type Repository } from 'typeorm';
import type { CheckpointStore } from '../../app/ports.js';
import { CheckpointEntity } from './entities.js';

/** `checkpoints`: added in the appending transaction or on their own; never changed. */
export class CheckpointTable implements CheckpointStore {
  private readonly checkpoints: Repository<CheckpointEntity>;

  constructor(dataSource: DataSource) {
    this.checkpoints = dataSource.getRepository(CheckpointEntity);
  }

  async add(tx: Transaction, checkpoint: AuditCheckpoint): Promise<boolean> {
    const inserted = await managerOf(tx)
      .createQueryBuilder()
      .insert()
      .into(CheckpointEntity)
      .values(checkpoint)
      .orIgnore()
      .returning('seq')
      .updateEntity(false)
      .execute();
    return (inserted.raw as unknown[]).length > 0;
  }

  async last(): Promise<AuditCheckpoint | null> {
    const [last] = await this.checkpoints.find({ order: { seq: 'DESC' }, take: 1 });
    return last ?? null;
  }

  between(fromSeq: number, throughSeq: number): Promise<AuditCheckpoint[]> {
    return this.checkpoints.find({ where: { seq: Between(fromSeq, throughSeq) }, order: { seq: 'ASC' } });
  }
}
