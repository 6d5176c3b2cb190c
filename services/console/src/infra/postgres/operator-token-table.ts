import { ErrorCode, HearthError, type TokenSummary } from '@hearth/contracts';
import type { Transaction } from '@hearth/platform/ports';
import { isUniqueViolation, managerOf } from '@hearth/platform/postgres';
import { createHash } from 'node:crypto';
import type { DataSource, Repository } from 'typeorm';
import type { OperatorTokenList, OperatorTokenStore } from '../../app/ports.js';
import type { OperatorToken } from '../../domain/operator/operator.js';
import { OperatorSessionEntity } from './operator-session.entity.js';
import { OperatorTokenEntity } from './operator-token.entity.js';

type TokenRow = Pick<OperatorTokenEntity, 'id' | 'name' | 'role' | 'created_by'>;

function sha256(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

const tokenOf = (row: TokenRow): OperatorToken => ({
  id: row.id,
  name: row.name,
  role: row.role,
  createdBy: row.created_by,
});

const rowOf = (token: OperatorToken, secret: string): Omit<OperatorTokenEntity, 'created_at'> => ({
  id: token.id,
  name: token.name,
  role: token.role,
  token_sha256: sha256(secret),
  created_by: token.createdBy,
});

/** The `operator_tokens` table: tokens stored only as SHA-256 hashes. */
export class OperatorTokenTable implements OperatorTokenStore, OperatorTokenList {
  private readonly tokens: Repository<OperatorTokenEntity>;

  constructor(dataSource: DataSource) {
    this.tokens = dataSource.getRepository(OperatorTokenEntity);
  }

  async insert(token: OperatorToken, secret: string, tx?: Transaction): Promise<void> {
    try {
      await this.repository(tx).insert(rowOf(token, secret));
    } catch (error) {
      if (isUniqueViolation(error)) throw new HearthError(ErrorCode.TokenExists, `a token named ${token.name} exists`);
      throw error;
    }
  }

  /**
   * The name keeps its id and creator; only its role and hash change. A changed hash ends the browser
   * sessions opened with the old token, as a revocation would: the old token no longer signs anyone in.
   */
  async replace(token: OperatorToken, secret: string): Promise<void> {
    const row = rowOf(token, secret);
    await this.tokens.manager.transaction(async (manager) => {
      await manager
        .createQueryBuilder()
        .delete()
        .from(OperatorSessionEntity)
        .where('token_id IN (SELECT id FROM operator_tokens WHERE name = :name AND token_sha256 <> :hash)', {
          name: row.name,
          hash: row.token_sha256,
        })
        .execute();
      await manager
        .createQueryBuilder()
        .insert()
        .into(OperatorTokenEntity)
        .values(row)
        .orUpdate(['role', 'token_sha256'], ['name'])
        .execute();
    });
  }

  async list(): Promise<TokenSummary[]> {
    const rows = await this.tokens.find({
      select: { name: true, role: true, created_by: true, created_at: true },
      order: { name: 'ASC' },
    });
    return rows.map((row) => ({
      name: row.name,
      role: row.role,
      created_by: row.created_by,
      created_at: row.created_at.toISOString(),
    }));
  }

  async deleteByName(name: string, tx?: Transaction): Promise<OperatorToken | null> {
    const deleted = await this.repository(tx)
      .createQueryBuilder()
      .delete()
      .where({ name })
      .returning(['id', 'name', 'role', 'created_by'])
      .execute();
    const [row] = deleted.raw as TokenRow[];
    return row ? tokenOf(row) : null;
  }

  /** In the caller's transaction when it has one. */
  private repository(tx: Transaction | undefined): Repository<OperatorTokenEntity> {
    return tx ? managerOf(tx).getRepository(OperatorTokenEntity) : this.tokens;
  }

  findBySecret(secret: string): Promise<OperatorToken | null> {
    return this.findBySha256(sha256(secret));
  }

  async findBySha256(hash: Buffer): Promise<OperatorToken | null> {
    const row = await this.tokens.findOneBy({ token_sha256: hash });
    return row ? tokenOf(row) : null;
  }
}
