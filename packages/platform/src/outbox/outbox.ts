import type { Transaction } from '../ports/unit-of-work.js';
import { OutboxEntity } from '../postgres/platform-entities.js';
import { managerOf } from '../postgres/unit-of-work.js';
import { injectTraceContext } from '../telemetry/telemetry.js';

export interface OutboxMessage {
  /** Becomes the JetStream `Nats-Msg-Id`: the broker and every consumer dedupe by it. */
  id: string;
  subject: string;
  payload: unknown;
}

class HeaderRecord {
  readonly values: Record<string, string> = {};
  get(key: string): string {
    return this.values[key] ?? '';
  }
  set(key: string, value: string): void {
    this.values[key] = value;
  }
  keys(): string[] {
    return Object.keys(this.values);
  }
}

/** Rows per INSERT: Postgres binds at most 65,535 parameters to a statement, and a row takes 4. */
const ENQUEUE_CHUNK = 10_000;

/**
 * Writes messages to publish in the caller's transaction: they leave for JetStream only once
 * that transaction has committed, and they leave even if the process dies right after.
 * The active trace context is kept with each message so the trace continues past the relay.
 */
export async function enqueue(tx: Transaction, messages: readonly OutboxMessage[]): Promise<void> {
  const headers = currentTraceHeaders();
  for (let start = 0; start < messages.length; start += ENQUEUE_CHUNK) {
    const rows = messages.slice(start, start + ENQUEUE_CHUNK).map((m) => ({
      messageId: m.id,
      subject: m.subject,
      payload: JSON.stringify(m.payload),
      headers,
    }));
    await managerOf(tx).createQueryBuilder().insert().into(OutboxEntity).values(rows).updateEntity(false).execute();
  }
}

/** The active trace context as the headers an outbox row keeps for the relay to publish. */
export function currentTraceHeaders(): Record<string, string> {
  const headers = new HeaderRecord();
  injectTraceContext(headers);
  return headers.values;
}
