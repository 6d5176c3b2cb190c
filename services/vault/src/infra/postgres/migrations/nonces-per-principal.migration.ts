import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Nonces become each principal's own: kept as one namespace, a principal could burn another's by
 * sending its nonce first. Nonces kept before belong to nobody known, so they are dropped: they are
 * at most a minute old, and the requests they name are refused as stale by now or very soon.
 */
export class NoncesPerPrincipal1765000000400 implements MigrationInterface {
  name = 'NoncesPerPrincipal1765000000400';

  async up(q: QueryRunner): Promise<void> {
    await q.query('DELETE FROM seen_nonces');
    await q.query('ALTER TABLE seen_nonces DROP CONSTRAINT seen_nonces_pkey');
    await q.query('ALTER TABLE seen_nonces ADD COLUMN principal text NOT NULL');
    await q.query('ALTER TABLE seen_nonces ADD CONSTRAINT seen_nonces_pkey PRIMARY KEY (principal, nonce)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DELETE FROM seen_nonces');
    await q.query('ALTER TABLE seen_nonces DROP CONSTRAINT seen_nonces_pkey');
    await q.query('ALTER TABLE seen_nonces DROP COLUMN principal');
    await q.query('ALTER TABLE seen_nonces ADD CONSTRAINT seen_nonces_pkey PRIMARY KEY (nonce)');
  }
}
