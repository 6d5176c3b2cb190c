import { managerOf } from '@hearth/platform/postgres';
import type { Transaction } from '@hearth/platform/ports';
import { ErrorCode, HearthError, type PolicyRule } from '@hearth/contracts';
import { isUniqueViolation, poolOf } from '@hearth/platform/postgres';
import type pg from 'pg';
import type { DataSource } from 'typeorm';

export interface Principal {
  name: string;
  publicKey: string;
  rules: PolicyRule[];
}

/** How long a cached principal is trusted without a change notification (a lost LISTEN connection). */
const CACHE_SECONDS = 30;

/**
 * Principals (their ed25519 public keys) and their policy rules. Every request looks its signer up,
 * so lookups are cached; a trigger on both tables notifies `principals_changed`, which clears the
 * cache of every vault process, and entries expire anyway after CACHE_SECONDS.
 */
export class Principals {
  private readonly pool: pg.Pool;
  private readonly cache = new Map<string, { principal: Principal | null; until: number }>();
  private listener: pg.PoolClient | null = null;

  constructor(dataSource: DataSource) {
    this.pool = poolOf(dataSource);
  }

  async listen(): Promise<void> {
    this.listener = await this.pool.connect();
    this.listener.on('notification', () => this.cache.clear());
    this.listener.on('error', () => this.cache.clear());
    await this.listener.query('LISTEN principals_changed');
  }

  stop(): Promise<void> {
    this.listener?.release();
    this.listener = null;
    this.cache.clear();
    return Promise.resolve();
  }

  /** Called after this process commits a change; other processes hear of it by notification. */
  forget(): void {
    this.cache.clear();
  }

  async find(name: string): Promise<Principal | null> {
    const now = Date.now();
    const hit = this.cache.get(name);
    if (hit && hit.until > now && this.listener) return hit.principal;
    const principal = await this.load(name);
    this.cache.set(name, { principal, until: now + CACHE_SECONDS * 1000 });
    return principal;
  }

  /** The key and the rules in one prepared statement. */
  private async load(name: string): Promise<Principal | null> {
    const { rows } = await this.pool.query<{ public_key: string; rules: PolicyRule[] }>({
      name: 'principal_with_rules',
      text: `SELECT p.public_key,
               COALESCE(json_agg(json_build_object('pattern', r.pattern, 'effect', r.effect, 'capabilities', r.capabilities))
                 FILTER (WHERE r.pattern IS NOT NULL), '[]') AS rules
             FROM principals p LEFT JOIN policy_rules r ON r.principal = p.name
             WHERE p.name = $1 GROUP BY p.public_key`,
      values: [name],
    });
    const row = rows[0];
    return row ? { name, publicKey: row.public_key, rules: row.rules } : null;
  }

  async create(tx: Transaction, name: string, publicKey: string): Promise<void> {
    try {
      await managerOf(tx).query('INSERT INTO principals (name, public_key) VALUES ($1, $2)', [name, publicKey]);
    } catch (error) {
      if (isUniqueViolation(error)) throw new HearthError(ErrorCode.PrincipalExists, `principal ${name} exists`);
      throw error;
    }
  }

  /** Sets a principal's key, creating it if needed (the root principal at start). */
  async upsert(tx: Transaction, name: string, publicKey: string): Promise<void> {
    await managerOf(tx).query(
      'INSERT INTO principals (name, public_key) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET public_key = EXCLUDED.public_key',
      [name, publicKey],
    );
  }

  async grant(tx: Transaction, name: string, rule: PolicyRule): Promise<void> {
    await this.mustExist(tx, name);
    await managerOf(tx).query(
      `INSERT INTO policy_rules (principal, pattern, effect, capabilities) VALUES ($1, $2, $3, $4)
       ON CONFLICT (principal, pattern) DO UPDATE SET effect = EXCLUDED.effect, capabilities = EXCLUDED.capabilities`,
      [name, rule.pattern, rule.effect, rule.capabilities],
    );
  }

  async revoke(tx: Transaction, name: string, pattern: string): Promise<boolean> {
    await this.mustExist(tx, name);
    const rows = await managerOf(tx).query<unknown[]>(
      'DELETE FROM policy_rules WHERE principal = $1 AND pattern = $2 RETURNING 1',
      [name, pattern],
    );
    return rows.length > 0;
  }

  private async mustExist(tx: Transaction, name: string): Promise<void> {
    const rows = await managerOf(tx).query<unknown[]>('SELECT 1 FROM principals WHERE name = $1', [name]);
    if (rows.length === 0) throw new HearthError(ErrorCode.PrincipalNotFound, `no principal ${name}`);
  }
}
