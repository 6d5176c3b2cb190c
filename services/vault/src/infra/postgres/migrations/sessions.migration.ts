import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sessions: a principal's keys for MACed requests and sealed replies, agreed in one signed handshake.
 * The keys are kept wrapped like a version's value (a DEK under the active KEK), so any vault process
 * on this database serves a session another opened, and none of them is ever stored in clear. A
 * session is bound to the key its principal had when it opened it, and goes with the principal.
 */
export class Sessions1768000000700 implements MigrationInterface {
  name = 'Sessions1768000000700';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE vault_sessions (
        session_id uuid PRIMARY KEY,
        principal text NOT NULL REFERENCES principals (name) ON DELETE CASCADE,
        principal_key text NOT NULL,
        format text NOT NULL,
        kek_id text NOT NULL,
        wrapped_dek bytea NOT NULL,
        dek_nonce bytea NOT NULL,
        nonce bytea NOT NULL,
        ciphertext bytea NOT NULL,
        opened_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await q.query('CREATE INDEX vault_sessions_principal ON vault_sessions (principal, expires_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE vault_sessions');
  }
}
