import type { Transaction } from '@hearth/platform/ports';
import { managerOf } from '@hearth/platform/postgres';
import { In } from 'typeorm';
import type { SourceSequenceStore } from '../../app/ports.js';
import { NEW_SOURCE, type SourceSequence } from '../../domain/sequence/source-sequence.js';
import { OpenGapEntity, SourceHeadEntity } from './entities.js';

/** `source_heads` and `open_gaps`, read and written in the appending transaction (its position lock orders them). */
export class SourceSequenceTables implements SourceSequenceStore {
  async load(tx: Transaction, sources: readonly string[]): Promise<Map<string, SourceSequence>> {
    const manager = managerOf(tx);
    const [heads, gaps] = await Promise.all([
      manager.getRepository(SourceHeadEntity).findBy({ source: In([...sources]) }),
      manager.getRepository(OpenGapEntity).find({ where: { source: In([...sources]) }, order: { fromSeq: 'ASC' } }),
    ]);
    const sequences = new Map<string, SourceSequence>(sources.map((source) => [source, { ...NEW_SOURCE, open: [] }]));
    for (const { source, head } of heads) sequences.get(source)!.head = head;
    for (const g of gaps)
      sequences.get(g.source)!.open.push({
        gap: { gapId: g.gapId, from: g.gapFrom, to: g.gapTo },
        from: g.fromSeq,
        to: g.toSeq,
        unrecoverable: g.unrecoverable,
      });
    return sequences;
  }

  async save(tx: Transaction, source: string, sequence: SourceSequence): Promise<void> {
    const manager = managerOf(tx);
    await manager.getRepository(SourceHeadEntity).upsert({ source, head: sequence.head }, ['source']);
    await manager.getRepository(OpenGapEntity).delete({ source });
    if (sequence.open.length === 0) return;
    await manager.getRepository(OpenGapEntity).insert(
      sequence.open.map((range) => ({
        source,
        fromSeq: range.from,
        toSeq: range.to,
        gapId: range.gap.gapId,
        gapFrom: range.gap.from,
        gapTo: range.gap.to,
        unrecoverable: range.unrecoverable,
      })),
    );
  }
}
