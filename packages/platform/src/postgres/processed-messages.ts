import type { Transaction } from '../ports/unit-of-work.js';
import { ProcessedMessageEntity } from './platform-entities.js';
import { managerOf } from './unit-of-work.js';

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
};
