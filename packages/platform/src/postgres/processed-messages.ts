import type { Transaction } from '../ports/unit-of-work.js';
import { FastPath } from './fast-path.js';
import { ProcessedMessageEntity } from './platform-entities.js';
import { managerOf } from './unit-of-work.js';

/** A batch's ids in one prepared statement, whatever their number: hatch's ingest claims hundreds per run. */
const CLAIM_ALL = {
  name: 'platform_claim_processed_messages',
  text: `INSERT INTO processed_messages (consumer, message_id) SELECT $1, unnest($2::text[])
    ON CONFLICT DO NOTHING RETURNING message_id`,
};

/**
 * The `processed_messages` ledger of an idempotent consumer: a message takes effect once because
 * its id is claimed in the transaction where it takes effect, and a redelivery finds it claimed.
 */
export const processedMessages = {
  /** True when `messageId` was new to `consumer` (and is now claimed in `tx`); false for a redelivery. */
  async claim(tx: Transaction, consumer: string, messageId: string): Promise<boolean> {
    const claimed = await managerOf(tx)
      .createQueryBuilder()
      .insert()
      .into(ProcessedMessageEntity)
      .values({ consumer, messageId })
      .orIgnore()
      .returning('message_id')
      .updateEntity(false)
      .execute();
    return (claimed.raw as unknown[]).length > 0;
  },

  /** Claims every id of a batch in `tx` (the FastPath: it is on the ingest's hot path); returns those that were new. */
  async claimAll(tx: Transaction, consumer: string, messageIds: readonly string[]): Promise<Set<string>> {
    const rows = await FastPath.queryIn<{ message_id: string }>(tx, CLAIM_ALL, [consumer, [...new Set(messageIds)]]);
    return new Set(rows.map((r) => r.message_id));
  },
};
