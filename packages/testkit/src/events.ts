import type { expect as jestExpect } from '@jest/globals';
import type { EventMetadata } from '@hearth/contracts';
import { randomUUID } from 'node:crypto';
import { queryDatabase } from './database.js';

/** jest's expect, from the global jest gives a test: the testkit also loads outside jest (benches). */
export function testExpect(actual: unknown): ReturnType<typeof jestExpect> {
  return (globalThis as unknown as { expect: typeof jestExpect }).expect(actual);
}

/** The metadata of a fresh message from `actor`: a correlation of its own, no cause, said now. */
export function freshMetadata(actor: string): EventMetadata {
  return {
    actor,
    correlation_id: randomUUID(),
    causation_id: null,
    trace_id: null,
    occurred_at: new Date().toISOString(),
  };
}

/** An event as a service's event store keeps it. */
export interface RecordedEvent {
  id: string;
  type: string;
  stream: string;
  version: number;
  data: Record<string, unknown>;
  metadata: EventMetadata;
}

/** Where a service's event store is now: events appended later are "since" this mark. */
export async function eventMark(database: string): Promise<bigint> {
  const [row] = await queryDatabase<{ at: string }>(
    database,
    'SELECT COALESCE(MAX(global_position), 0)::text AS at FROM events',
  );
  return BigInt(row!.at);
}

/** The events appended to `database` after `mark`, in order, optionally of one type or stream. */
export async function eventsSince(
  database: string,
  mark: bigint,
  filter: { type?: string; stream?: string } = {},
): Promise<RecordedEvent[]> {
  return queryDatabase<RecordedEvent>(
    database,
    `SELECT event_id AS id, type, stream_id AS stream, stream_version AS version, data, metadata FROM events
     WHERE global_position > $1 AND ($2::text IS NULL OR type = $2) AND ($3::text IS NULL OR stream_id = $3)
     ORDER BY global_position`,
    [mark.toString(), filter.type ?? null, filter.stream ?? null],
  );
}

/** Exactly these events since `mark`, in order: each of the expected type, its data matching where given. */
export async function expectNewEvents(
  database: string,
  mark: bigint,
  expected: ReadonlyArray<{ type: string; data?: Record<string, unknown> }>,
): Promise<RecordedEvent[]> {
  const events = await eventsSince(database, mark);
  testExpect(events.map((e) => e.type)).toEqual(expected.map((e) => e.type));
  expected.forEach(({ data }, i) => {
    if (data) testExpect(events[i]!.data).toMatchObject(data);
  });
  return events;
}
