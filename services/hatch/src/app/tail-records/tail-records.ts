import type { AuditFilter, AuditRecord } from '@hearth/contracts';
import type { AuditLogReader, RecordFeed } from '../ports.js';

const PAGE = 500;

export type TailItem = { kind: 'record'; record: AuditRecord } | { kind: 'idle' };

/**
 * The live tail: history after `afterSeq`, then every record as it commits, with no gap and no
 * repeat between the two, because both are the same loop over seq: read what committed after the
 * cursor, move the cursor, wait for the head to pass it. A filtered tail moves its cursor over the
 * records it skipped too (up to the head the page was bounded by), so it never rescans them.
 * `idle` comes when nothing arrived for `idleMs`, so the edge can send a keep-alive.
 */
export class TailRecords {
  constructor(
    private readonly log: Pick<AuditLogReader, 'search' | 'headSeq'>,
    private readonly feed: RecordFeed,
  ) {}

  /** Where a tail with no starting point starts: after the last record committed now. */
  headSeq(): Promise<number> {
    return this.log.headSeq();
  }

  async *run(filter: AuditFilter, afterSeq: number, signal: AbortSignal, idleMs = 15_000): AsyncGenerator<TailItem> {
    let cursor = afterSeq;
    while (!signal.aborted) {
      const page = await this.log.search({ ...filter, after_seq: cursor, order: 'asc', limit: PAGE });
      for (const record of page.items) {
        if (signal.aborted) return;
        yield { kind: 'record', record };
      }
      cursor = page.next_cursor ?? Math.max(cursor, page.head_seq);
      if (page.next_cursor !== null) continue;
      const moved = await this.feed.waitBeyond(cursor, signal, idleMs);
      if (!moved && !signal.aborted) yield { kind: 'idle' };
    }
  }
}
