import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { OperatorRole, OperatorToken } from '../../domain/operator/operator.js';

function sha256(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Operator bearer tokens, stored only as SHA-256 hashes. */
export class OperatorTokens {
  constructor(private readonly dataSource: DataSource) {}

  async save(token: OperatorToken, secret: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO operator_tokens (id, name, role, token_sha256, created_by) VALUES ($1, $2, $3, $4, $5)`,
      [token.id, token.name, token.role, sha256(secret), token.createdBy],
    );
  }

  /** Makes `secret` the token named `name`, replacing whatever that name held (the bootstrap admin). */
  async replace(token: OperatorToken, secret: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO operator_tokens (id, name, role, token_sha256, created_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (name) DO UPDATE SET role = EXCLUDED.role, token_sha256 = EXCLUDED.token_sha256`,
      [token.id, token.name, token.role, sha256(secret), token.createdBy],
    );
  }

  /** Forgets the token named `name`; what it was, or null if there was none. */
  async deleteByName(name: string): Promise<OperatorToken | null> {
    const [rows]: [Array<{ id: string; name: string; role: OperatorRole; created_by: string }>, number] =
      await this.dataSource.query('DELETE FROM operator_tokens WHERE name = $1 RETURNING id, name, role, created_by', [
        name,
      ]);
    const row = rows[0];
    return row ? { id: row.id, name: row.name, role: row.role, createdBy: row.created_by } : null;
  }

  findBySecret(secret: string): Promise<OperatorToken | null> {
    return this.findByHash(sha256(secret));
  }

  async findByHash(hash: Buffer): Promise<OperatorToken | null> {
    const rows: Array<{ id: string; name: string; role: OperatorRole; created_by: string }> =
      await this.dataSource.query('SELECT id, name, role, created_by FROM operator_tokens WHERE token_sha256 = $1', [
        hash,
      ]);
    const row = rows[0];
    return row ? { id: row.id, name: row.name, role: row.role, createdBy: row.created_by } : null;
  }
}
