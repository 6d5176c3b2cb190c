import type { SessionKeys } from '@hearth/contracts';
import { describeFailure } from '../failure-cause.js';
import type { Cipher, FailureLog, SessionRecord, SessionRecords } from '../ports.js';

/** A session as a request meets it: whose it is, the key it was opened with, its keys in the clear, its end. */
export interface LiveSession {
  id: string;
  principal: string;
  principalKey: string;
  keys: SessionKeys;
  expiresAt: number;
}

/** What a session's keys are sealed as, and bound to: a path of their own, so no version's sealing opens them. */
export const SESSION_KEYS_FORMAT = 'session-keys-v1';
export const sessionKeysRef = (id: string) => ({ path: `sys/sessions/${id}`, version: 1 });

const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The sessions this process serves, their keys in memory only. A session another vault process
 * opened is loaded from the database once and unwrapped with the KEK ring; one that cannot be
 * unwrapped any more (its KEK retired) is unknown, and its caller opens another. At most `entries`
 * ids are held, unknown ones included, the oldest dropped first: a flood of made-up ids costs
 * lookups, never memory. Whether a session still holds (its principal, its key, its end) is checked
 * on every request by the caller's identity, not here.
 */
export class SessionDirectory {
  private readonly cache = new Map<string, LiveSession | null>();

  constructor(
    private readonly records: Pick<SessionRecords, 'find'>,
    private readonly cipher: Pick<Cipher, 'open'>,
    private readonly log: FailureLog,
    private readonly entries: number,
  ) {}

  async find(id: string): Promise<LiveSession | null> {
    if (!SESSION_ID.test(id)) return null;
    const hit = this.cache.get(id);
    if (hit !== undefined) return hit;
    const record = await this.records.find(id);
    const session = record && this.unwrap(record);
    this.remember(id, session);
    return session;
  }

  /**
   * Drops every session held: a principal changed, and one revoked and made again with the same key
   * must meet its old sessions as the database has them (ended), not as they were remembered.
   */
  forget(): void {
    this.cache.clear();
  }

  /** The session this process just opened, so its first request costs no lookup. */
  opened(session: LiveSession): void {
    this.remember(session.id, session);
  }

  private unwrap(record: SessionRecord): LiveSession | null {
    let plain: Uint8Array;
    try {
      plain = this.cipher.open(record.sealed, sessionKeysRef(record.id));
    } catch (error) {
      this.log.error(
        { session_id: record.id, cause: describeFailure(error) },
        'a session could not be unwrapped; its caller is told it is unknown',
      );
      return null;
    }
    try {
      const keys = { mac: Buffer.from(plain.subarray(0, 32)), reply: Buffer.from(plain.subarray(32, 64)) };
      return {
        id: record.id,
        principal: record.principal,
        principalKey: record.principalKey,
        keys,
        expiresAt: record.expiresAt.getTime(),
      };
    } finally {
      plain.fill(0);
    }
  }

  private remember(id: string, session: LiveSession | null): void {
    this.cache.delete(id);
    if (this.cache.size >= this.entries) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(id, session);
  }
}
