import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The tables every event-sourced service shares: the event store, the transactional outbox and the
 * consumers' ledger of processed message ids. openDatabase adds the platform's migrations to a service's own.
 */
export class PlatformSchema1763800000000 implements MigrationInterface {
  name = 'PlatformSchema1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE events (
        global_position bigserial PRIMARY KEY,
        transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
        event_id uuid NOT NULL,
        stream_id text NOT NULL,
        stream_version integer NOT NULL CHECK (stream_version > 0),
        type text NOT NULL,
        data jsonb NOT NULL,
        metadata jsonb NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT events_stream_version_key UNIQUE (stream_id, stream_version),
        CONSTRAINT events_event_id_key UNIQUE (event_id)
      )`);
    await q.query(`
      CREATE TABLE outbox (
        position bigserial PRIMARY KEY,
        message_id uuid NOT NULL UNIQUE,
        subject text NOT NULL,
        payload text NOT NULL,
        headers jsonb NOT NULL DEFAULT '{}',
        enqueued_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_notify('outbox', ''); RETURN NULL; END $$`);
    await q.query(`
      CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
      FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify()`);
    await q.query(`
      CREATE TABLE processed_messages (
        consumer text NOT NULL,
        message_id text NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, message_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE processed_messages');
    await q.query('DROP TRIGGER outbox_notify ON outbox');
    await q.query('DROP FUNCTION outbox_notify()');
    await q.query('DROP TABLE outbox');
    await q.query('DROP TABLE events');
  }
}

/** `transaction_id` served only EventStore.readAll, which nothing read: every append paid for it. */
export class EventsWithoutTransactionId1764600000000 implements MigrationInterface {
  name = 'EventsWithoutTransactionId1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE events DROP COLUMN transaction_id');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE events ADD COLUMN transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id()');
  }
}

/** Messages a consumer terminated instead of applying: no single message may stall it (DESIGN invariant 9). */
export class ParkedMessages1765000000000 implements MigrationInterface {
  name = 'ParkedMessages1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE parked_messages (
        id bigserial PRIMARY KEY,
        consumer text NOT NULL,
        subject text NOT NULL,
        message_id text NOT NULL,
        stream_seq bigint,
        reason text NOT NULL,
        detail text NOT NULL,
        excerpt text,
        parked_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE parked_messages');
  }
}

/**
 * What the relay keeps of each audit event it numbered and published (`hatch.>`): hatch asks for a
 * missing number again, and the emitter publishes it again from here. `audit_sequence` holds the
 * last number given, one row, moved once per relayed batch. Rows older than the retention are pruned.
 */
export class AuditJournal1766000000000 implements MigrationInterface {
  name = 'AuditJournal1766000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_journal (
        source_seq bigint PRIMARY KEY CHECK (source_seq > 0),
        message_id uuid NOT NULL,
        subject text NOT NULL,
        payload text NOT NULL,
        headers jsonb NOT NULL,
        sent_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE audit_sequence (
        one boolean PRIMARY KEY DEFAULT true CHECK (one),
        last bigint NOT NULL CHECK (last >= 0)
      )`);
    await q.query('INSERT INTO audit_sequence (one, last) VALUES (true, 0)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE audit_sequence');
    await q.query('DROP TABLE audit_journal');
  }
}

/** The platform's own migrations, in order. */
export const platformMigrations = [
  PlatformSchema1763800000000,
  EventsWithoutTransactionId1764600000000,
  ParkedMessages1765000000000,
  AuditJournal1766000000000,
];
