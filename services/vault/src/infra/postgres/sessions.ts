import type { Transaction } from '@hearth/platform/ports';
import { managerOf, type FastPath, type PreparedStatement } from '@hearth/platform/postgres';
import type { SessionRecord, SessionRecords } from '../../app/ports.js';

interface SessionRow {
  id: string;
  principal: string;
  principalKey: string;
  format: string;
  kekId: string;
  wrappedDek: Buffer;
  dekNonce: Buffer;
  nonce: Buffer;
  ciphertext: Buffer;
  expiresAt: Date;
}

/** A session's first request on a process that did not open it: on the fast path, one prepared select. */
const findSession: PreparedStatement = {
  name: 'vault_session_find',
  text: `SELECT session_id AS id, principal, principal_key AS "principalKey", format, kek_id AS "kekId",
                wrapped_dek AS "wrappedDek", dek_nonce AS "dekNonce", nonce, ciphertext, expires_at AS "expiresAt"
         FROM vault_sessions WHERE session_id = $1`,
};

/** Sessions in `vault_sessions`, their keys sealed by the caller (the vault's envelope cipher). */
export class PostgresSessions implements SessionRecords {
  constructor(private readonly fastPath: FastPath) {}

  async live(tx: Transaction, principal: string, now: Date): Promise<number> {
    const manager = managerOf(tx);
    // Handshakes of one principal count and insert one at a time, else those sent at once all count
    // the same and overshoot the limit. NO KEY UPDATE: the key share of a foreign key does not wait on it.
    await manager.query('SELECT 1 FROM principals WHERE name = $1 FOR NO KEY UPDATE', [principal]);
    await manager.query('DELETE FROM vault_sessions WHERE principal = $1 AND expires_at <= $2', [principal, now]);
    const [row] = await manager.query<Array<{ live: number }>>(
      'SELECT count(*)::int AS live FROM vault_sessions WHERE principal = $1',
      [principal],
    );
    return row?.live ?? 0;
  }

  async insert(tx: Transaction, { id, principal, principalKey, sealed, expiresAt }: SessionRecord): Promise<void> {
    await managerOf(tx).query(
      `INSERT INTO vault_sessions (session_id, principal, principal_key, format, kek_id, wrapped_dek, dek_nonce, nonce, ciphertext, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        id,
        principal,
        principalKey,
        sealed.format,
        sealed.kekId,
        Buffer.from(sealed.wrappedDek),
        Buffer.from(sealed.dekNonce),
        Buffer.from(sealed.nonce),
        Buffer.from(sealed.ciphertext),
        expiresAt,
      ],
    );
  }

  async find(id: string): Promise<SessionRecord | null> {
    const [row] = await this.fastPath.query<SessionRow>(findSession, [id]);
    if (!row) return null;
    const { format, kekId, wrappedDek, dekNonce, nonce, ciphertext, ...session } = row;
    return { ...session, sealed: { format, kekId, wrappedDek, dekNonce, nonce, ciphertext } };
  }
}
