import { ErrorCode, HearthError, type PolicyRule } from '@hearth/contracts';
import type { Transaction } from '@hearth/platform/ports';
import {
  ChannelListener,
  isUniqueViolation,
  managerOf,
  type FastPath,
  type PreparedStatement,
} from '@hearth/platform/postgres';
import type { EntityManager } from 'typeorm';
import type { Logger } from '@hearth/platform/logging';
import type { Principal, PrincipalDirectory, PrincipalRegistry } from '../../app/ports.js';

import { PolicyRuleRecord, PrincipalRecord } from './entities.js';

/** How long a cached principal is trusted without a change notification (a lost LISTEN connection). */
const CACHE_SECONDS = 30;

/** Every request's lookup on a cache miss: the key and the rules in one prepared statement. */
const principalWithRules: PreparedStatement = {
  name: 'principal_with_rules',
  text: `SELECT p.public_key AS "publicKey",
           COALESCE(json_agg(json_build_object('pattern', r.pattern, 'effect', r.effect, 'capabilities', r.capabilities))
             FILTER (WHERE r.pattern IS NOT NULL), '[]') AS rules
         FROM principals p LEFT JOIN policy_rules r ON r.principal = p.name
         WHERE p.name = $1 GROUP BY p.public_key`,
};

/**
 * Principals (their ed25519 public keys) and their policy rules. Every request looks its signer up,
 * so lookups are cached; a trigger on both tables notifies `principals_changed`, which clears the
 * cache of every vault process, and entries expire anyway after CACHE_SECONDS. While it does not
 * listen (its connection lost, until it listens again) it trusts nothing it holds,
 * so a change made through another vault holds here at once. The cache holds at most `cacheEntries`
 * names, misses included, the oldest dropped first: a flood of made-up actors costs lookups, never memory.
 */
export class PrincipalStore implements PrincipalDirectory, PrincipalRegistry {
  private readonly cache = new Map<string, { principal: Principal | null; until: number }>();
  private readonly listener: ChannelListener;
  private readonly forgetters: Array<() => void> = [];
  /** Counts the times the cache was dropped: a lookup begun before the last drop is not kept. */
  private generation = 0;

  constructor(
    private readonly fastPath: FastPath,
    private readonly cacheEntries: number,
    logger: Logger,
  ) {
    // While it does not listen, nothing is kept (find() reads the table each time), and what it held
    // when the connection went is dropped, once then and once more when it hears again.
    const forget = () => this.forget();
    this.listener = new ChannelListener(
      fastPath,
      'principals_changed',
      { notified: forget, lost: forget, relistened: forget },
      logger,
    );
  }

  /** How many names the cache holds now (a gauge). */
  get cached(): number {
    return this.cache.size;
  }

  /** Whether it hears changes now, and so may answer from memory. */
  get listening(): boolean {
    return this.listener.listening;
  }

  /** `listener` runs whenever the cache is dropped: what else a principal's change makes stale (its sessions). */
  onForget(listener: () => void): void {
    this.forgetters.push(listener);
  }

  listen(): Promise<void> {
    return this.listener.start();
  }

  async stop(): Promise<void> {
    await this.listener.stop();
    this.forget();
  }

  forget(): void {
    this.generation++;
    this.cache.clear();
    for (const forgetter of this.forgetters) forgetter();
  }

  async find(name: string): Promise<Principal | null> {
    const hit = this.cache.get(name);
    if (hit && hit.until > Date.now() && this.listener.listening) return hit.principal;
    return this.findCurrent(name);
  }

  async findCurrent(name: string): Promise<Principal | null> {
    const now = Date.now();
    const generation = this.generation;
    const [row] = await this.fastPath.query<Pick<PrincipalRecord, 'publicKey'> & { rules: PolicyRule[] }>(
      principalWithRules,
      [name],
    );
    const principal = row ? { name, publicKey: row.publicKey, rules: row.rules } : null;
    // A change heard while this lookup ran may postdate what it read: answered, but not kept.
    if (generation !== this.generation) return principal;
    this.cache.delete(name);
    if (this.cache.size >= this.cacheEntries) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(name, { principal, until: now + CACHE_SECONDS * 1000 });
    return principal;
  }

  async create(tx: Transaction, name: string, publicKey: string): Promise<void> {
    try {
      await managerOf(tx).insert(PrincipalRecord, { name, publicKey });
    } catch (error) {
      if (isUniqueViolation(error)) throw new HearthError(ErrorCode.PrincipalExists, `principal ${name} exists`);
      throw error;
    }
  }

  async upsert(tx: Transaction, name: string, publicKey: string): Promise<void> {
    await managerOf(tx).upsert(PrincipalRecord, { name, publicKey }, ['name']);
  }

  async grant(tx: Transaction, name: string, rule: PolicyRule): Promise<void> {
    const manager = managerOf(tx);
    await mustExist(manager, name);
    await manager.upsert(
      PolicyRuleRecord,
      { principal: name, pattern: rule.pattern, effect: rule.effect, capabilities: rule.capabilities },
      ['principal', 'pattern'],
    );
  }

  async remove(tx: Transaction, name: string): Promise<void> {
    const manager = managerOf(tx);
    await mustExist(manager, name);
    // Its sessions end now but stay until their principal opens another (live() drops them): a request
    // in one is refused on the record as revoked by any vault process, and the principal made again
    // with the same key finds them expired, not revived.
    await manager.query('UPDATE vault_sessions SET expires_at = now() WHERE principal = $1 AND expires_at > now()', [
      name,
    ]);
    await manager.delete(PolicyRuleRecord, { principal: name });
    await manager.delete(PrincipalRecord, { name });
  }

  async revoke(tx: Transaction, name: string, pattern: string): Promise<boolean> {
    const manager = managerOf(tx);
    await mustExist(manager, name);
    const { affected } = await manager.delete(PolicyRuleRecord, { principal: name, pattern });
    return (affected ?? 0) > 0;
  }
}

async function mustExist(manager: EntityManager, name: string): Promise<void> {
  if (!(await manager.existsBy(PrincipalRecord, { name }))) {
    throw new HearthError(ErrorCode.PrincipalNotFound, `no principal ${name}`);
  }
}
