import type { MigrationInterface, QueryRunner } from 'typeorm';

export class VaultSchema1763800000200 implements MigrationInterface {
  name = 'VaultSchema1763800000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE secrets (
        path text PRIMARY KEY,
        current_version integer NOT NULL,
        provider text NOT NULL,
        tags jsonb NOT NULL,
        description text,
        expires_at timestamptz,
        value_names text[] NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    // Ciphertext and wrapped keys: the only place a value exists. Destroy wipes all four columns.
    await q.query(`
      CREATE TABLE secret_versions (
        path text NOT NULL,
        version integer NOT NULL,
        created_at timestamptz NOT NULL,
        created_by text NOT NULL,
        deleted boolean NOT NULL DEFAULT false,
        destroyed boolean NOT NULL DEFAULT false,
        format text NOT NULL,
        nonce bytea,
        ciphertext bytea,
        kek_id text,
        wrapped_dek bytea,
        dek_nonce bytea,
        PRIMARY KEY (path, version)
      )`);
    await q.query('CREATE INDEX secret_versions_kek ON secret_versions (kek_id) WHERE kek_id IS NOT NULL');
    await q.query(`
      CREATE TABLE principals (
        name text PRIMARY KEY,
        public_key text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE policy_rules (
        principal text NOT NULL REFERENCES principals (name),
        pattern text NOT NULL,
        effect text NOT NULL CHECK (effect IN ('allow', 'deny')),
        capabilities text[] NOT NULL,
        PRIMARY KEY (principal, pattern)
      )`);
    // Vault processes cache principals; any change to a key or a rule tells them to forget.
    await q.query(`
      CREATE FUNCTION principals_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_notify('principals_changed', ''); RETURN NULL; END $$`);
    for (const table of ['principals', 'policy_rules']) {
      await q.query(`CREATE TRIGGER ${table}_changed AFTER INSERT OR UPDATE OR DELETE ON ${table}
                     FOR EACH STATEMENT EXECUTE FUNCTION principals_changed()`);
    }
    await q.query(`
      CREATE TABLE seen_nonces (
        nonce text PRIMARY KEY,
        seen_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['seen_nonces', 'policy_rules', 'principals', 'secret_versions', 'secrets']) {
      // triggers and the notify function go with their tables
      await q.query(`DROP TABLE ${table}`);
    }
    await q.query('DROP FUNCTION principals_changed()');
  }
}
