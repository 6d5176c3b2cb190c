import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * hatch's log. `seq` is assigned by hatch from the last row, not by a sequence, in a transaction
 * that holds the ingest_position row locked to its commit, so seq has no gaps and commits in seq
 * order. audit_log and checkpoints refuse UPDATE, DELETE and TRUNCATE at the database too: only
 * someone who can alter the schema can change them, and the chain shows it.
 */
export class HatchSchema1763800000300 implements MigrationInterface {
  name = 'HatchSchema1763800000300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_log (
        seq bigint PRIMARY KEY CHECK (seq > 0),
        event_id uuid NOT NULL,
        event_type text NOT NULL,
        occurred_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL,
        source text NOT NULL,
        action text NOT NULL,
        actor text NOT NULL,
        subject_path text,
        workspace_slug text,
        outcome text,
        trace_id text,
        correlation_id text NOT NULL,
        causation_id text,
        data jsonb NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL,
        CONSTRAINT audit_log_event_id_key UNIQUE (event_id)
      )`);
    await q.query('CREATE INDEX audit_log_actor ON audit_log (actor, seq)');
    await q.query('CREATE INDEX audit_log_workspace ON audit_log (workspace_slug, seq)');
    await q.query('CREATE INDEX audit_log_path ON audit_log (subject_path text_pattern_ops)');
    await q.query('CREATE INDEX audit_log_occurred ON audit_log (occurred_at)');
    await q.query(`
      CREATE TABLE checkpoints (
        seq bigint PRIMARY KEY,
        hash text NOT NULL,
        at timestamptz NOT NULL,
        signature text NOT NULL
      )`);
    await q.query(`
      CREATE TABLE parked_events (
        id uuid PRIMARY KEY,
        message_id text NOT NULL,
        subject text NOT NULL,
        reason text NOT NULL,
        body jsonb,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE FUNCTION hatch_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP; END $$`);
    for (const table of ['audit_log', 'checkpoints']) {
      await q.query(`
        CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table}
        FOR EACH ROW EXECUTE FUNCTION hatch_append_only()`);
      await q.query(`
        CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
        FOR EACH STATEMENT EXECUTE FUNCTION hatch_append_only()`);
    }
    // Live tails wake on this; the payload is the new head seq. Delivered at commit, never before.
    await q.query(`
      CREATE FUNCTION audit_log_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_notify('audit_log', (SELECT max(seq)::text FROM appended)); RETURN NULL; END $$`);
    await q.query(`
      CREATE TRIGGER audit_log_notify AFTER INSERT ON audit_log
      REFERENCING NEW TABLE AS appended FOR EACH STATEMENT EXECUTE FUNCTION audit_log_notify()`);
    // How far into the HATCH stream the log has got: the last stream sequence whose message took
    // effect, written in the transaction that appended it. Its row lock serializes appenders.
    await q.query(`
      CREATE TABLE ingest_position (
        stream text PRIMARY KEY,
        stream_seq bigint NOT NULL CHECK (stream_seq >= 0)
      )`);
    await q.query(`INSERT INTO ingest_position (stream, stream_seq) VALUES ('HATCH', 0)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE ingest_position');
    await q.query('DROP TABLE parked_events');
    await q.query('DROP TABLE checkpoints');
    await q.query('DROP TABLE audit_log');
    await q.query('DROP FUNCTION audit_log_notify()');
    await q.query('DROP FUNCTION hatch_append_only()');
  }
}
