import type { Transaction } from '../ports/unit-of-work.js';
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

/**
 * Writes messages to publish in the caller's transaction: they leave for JetStream only once
 * that transaction has committed, and they leave even if the process dies right after.
 * The active trace context is kept with each message so the trace continues past the relay.
 */
export async function enqueue(tx: Transaction, messages: readonly OutboxMessage[]): Promise<void> {
  if (messages.length === 0) return;
  const headers = currentTraceHeaders();
  await managerOf(tx).query(
    `INSERT INTO outbox (message_id, subject, payload, headers)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[])`,
    [
      messages.map((m) => m.id),
      messages.map((m) => m.subject),
      messages.map((m) => JSON.stringify(m.payload)),
      messages.map(() => JSON.stringify(headers)),
    ],
  );
}

/** The active trace context as the headers an outbox row keeps for the relay to publish. */
export function currentTraceHeaders(): Record<string, string> {
  const headers = new HeaderRecord();
  injectTraceContext(headers);
  return headers.values;
}
