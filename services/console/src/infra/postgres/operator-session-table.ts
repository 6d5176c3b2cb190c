import type { Transaction } from '@hearth/platform/ports';
import { managerOf } from '@hearth/platform/postgres';
import { LessThan, type DataSource, type Repository } from 'typeorm';
import type { OperatorSessionStore, StoredSession } from '../../app/ports.js';
import type { OperatorToken } from '../../domain/operator/operator.js';
import { OperatorSessionEntity } from './operator-session.entity.js';
import { OperatorTokenEntity } from './operator-token.entity.js';

const sessionOf = (row: OperatorSessionEntity): StoredSession => ({
  id: row.id,
  secretSha256: row.secret_sha256,
  csrfSha256: row.csrf_sha256,
  tokenId: row.token_id,
  createdAt: row.created_at,
  lastSeenAt: row.last_seen_at,
});

/** The `operator_sessions` table: sessions by the SHA-256 of their secret, joined to their token as it is now. */
export class OperatorSessionTable implements OperatorSessionStore {
  private readonly sessions: Repository<OperatorSessionEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.sessions = dataSource.getRepository(OperatorSessionEntity);
  }

  async insert(tx: Transaction, session: StoredSession): Promise<void> {
    await managerOf(tx).getRepository(OperatorSessionEntity).insert({
      id: session.id,
      secret_sha256: session.secretSha256,
      csrf_sha256: session.csrfSha256,
      token_id: session.tokenId,
      created_at: session.createdAt,
      last_seen_at: session.lastSeenAt,
    });
  }

  /** One statement: the session and its token, so a revoked token (its sessions cascade-deleted) finds nothing. */
  async findBySecretSha256(hash: Buffer): Promise<{ session: StoredSession; token: OperatorToken } | null> {
    const found = await this.dataSource
      .createQueryBuilder(OperatorSessionEntity, 's')
      .innerJoin(OperatorTokenEntity, 't', 't.id = s.token_id')
      .select(['s.*', 't.name AS token_name', 't.role AS token_role', 't.created_by AS token_created_by'])
      .where('s.secret_sha256 = :hash', { hash })
      .getRawOne<OperatorSessionEntity & Record<`token_${'name' | 'role' | 'created_by'}`, string>>();
    if (!found) return null;
    return {
      session: sessionOf(found),
      token: {
        id: found.token_id,
        name: found.token_name,
        role: found.token_role as OperatorToken['role'],
        createdBy: found.token_created_by,
      },
    };
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.sessions.update({ id }, { last_seen_at: at });
  }

  async delete(id: string, tx?: Transaction): Promise<boolean> {
    const repository = tx ? managerOf(tx).getRepository(OperatorSessionEntity) : this.sessions;
    const { affected } = await repository.delete({ id });
    return (affected ?? 0) > 0;
  }

  async deleteSeenBefore(cutoff: Date): Promise<void> {
    await this.sessions.delete({ last_seen_at: LessThan(cutoff) });
  }
}
