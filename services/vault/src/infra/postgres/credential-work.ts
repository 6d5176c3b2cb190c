import type { Transaction } from '@hearth/platform/ports';
import { ChannelListener, managerOf, type FastPath } from '@hearth/platform/postgres';
import { IsNull, type DataSource, type EntityManager } from 'typeorm';
import type { ClaimedWork, CredentialWorkStore, RotationSubject, StoredWork, WorkOutcome } from '../../app/ports.js';
import type { Logger } from '@hearth/platform/logging';

import { CredentialWorkRecord, type SecretVersionRecord } from './entities.js';
import { pendingSealed, sealedOf } from './secret-store.js';

/** Notified (with the work id) when a work item is closed: a SidecarChecks caller waits for its own. */
const WORK_DONE = 'credential_work_done';

const SEALED = `v.format, v.nonce, v.ciphertext, v.kek_id AS "kekId", v.wrapped_dek AS "wrappedDek", v.dek_nonce AS "dekNonce"`;

/** A subject as its query returns it: the sealed columns of its current version, the pending value as stored. */
type SubjectRow = Omit<RotationSubject, 'sealed' | 'pending'> &
  Pick<SecretVersionRecord, 'format' | 'nonce' | 'ciphertext' | 'kekId' | 'wrappedDek' | 'dekNonce'> & {
    pendingValue: Record<string, string> | null;
  };

type WorkRow = Pick<
  CredentialWorkRecord,
  'id' | 'kind' | 'path' | 'version' | 'claimant' | 'doneAt' | 'outcome' | 'message'
>;
type ClaimRow = WorkRow &
  Pick<SubjectRow, 'format' | 'nonce' | 'ciphertext' | 'kekId' | 'wrappedDek' | 'dekNonce' | 'pendingValue'> & {
    type: string;
    tags: Record<string, string>;
    sealedVersion: number;
  };
const WORK_COLUMNS = `w.id, w.kind, w.path, w.version, w.claimant, w.done_at AS "doneAt", w.outcome, w.message`;

const workOf = (row: WorkRow): StoredWork => ({
  id: row.id,
  kind: row.kind,
  path: row.path,
  version: row.version,
  claimant: row.claimant,
  doneAt: row.doneAt,
  outcome: row.outcome,
  message: row.message,
});

/**
 * credential_work and what rotation reads of secrets. The claim is one transaction: FOR UPDATE SKIP
 * LOCKED, so two vault processes never hand out the same item at once; a claim older than the claim
 * timeout is handed out again (a driver killed mid-apply). Reports notify WORK_DONE at commit, which
 * every vault process LISTENs for, so a check's caller wakes on its report, not on a poll.
 */
export class PostgresCredentialWork implements CredentialWorkStore {
  private readonly listener: ChannelListener;
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(
    private readonly dataSource: DataSource,
    fastPath: FastPath,
    logger: Logger,
  ) {
    // Heard again after a loss, every waiter looks at its row afresh: its report may have come unheard.
    const wakeAll = () => {
      for (const waiting of this.waiters.values()) for (const wake of waiting) wake();
    };
    this.listener = new ChannelListener(
      fastPath,
      WORK_DONE,
      {
        notified: (id) => {
          for (const wake of this.waiters.get(id) ?? []) wake();
        },
        lost: () => undefined,
        relistened: wakeAll,
      },
      logger,
    );
  }

  listen(): Promise<void> {
    return this.listener.start();
  }

  stop(): Promise<void> {
    return this.listener.stop();
  }

  async subject(path: string, tx?: Transaction): Promise<RotationSubject | null> {
    const manager: EntityManager = tx ? managerOf(tx) : this.dataSource.manager;
    const [row] = await manager.query<SubjectRow[]>(
      `SELECT s.path, s.provider, s.type, s.environment, s.tags, s.description, s.expires_at AS "expiresAt",
              s.current_version AS "currentVersion", s.pending_version AS "pendingVersion",
              s.pending_value AS "pendingValue", v.created_by AS "createdBy", ${SEALED}
       FROM secrets s JOIN secret_versions v ON v.path = s.path AND v.version = s.current_version
       WHERE s.path = $1 ${tx ? 'FOR UPDATE OF s' : ''}`,
      [path],
    );
    if (!row) return null;
    const { format, nonce, ciphertext, kekId, wrappedDek, dekNonce, pendingValue, ...subject } = row;
    return {
      ...subject,
      sealed: sealedOf({ format, nonce, ciphertext, kekId, wrappedDek, dekNonce }),
      pending: pendingSealed(pendingValue),
    };
  }

  async insert(
    tx: Transaction,
    work: Pick<StoredWork, 'id' | 'kind' | 'path' | 'version' | 'claimant'>,
    at: Date,
  ): Promise<void> {
    await managerOf(tx).insert(CredentialWorkRecord, { ...work, createdAt: at });
  }

  async openCheck(tx: Transaction, path: string, version: number): Promise<string | null> {
    const row = await managerOf(tx).findOne(CredentialWorkRecord, {
      select: { id: true },
      where: { path, version, kind: 'check', doneAt: IsNull() },
    });
    return row?.id ?? null;
  }

  async claim(tx: Transaction, claimant: string, now: Date, staleBefore: Date, limit: number): Promise<ClaimedWork[]> {
    const manager = managerOf(tx);
    // A rotation abandoned by a write (the driver made a new sidecar and value) leaves nothing to apply.
    await manager.query(
      `UPDATE credential_work w SET done_at = $2, outcome = 'failed', message = 'the rotation was abandoned: a new version was written'
       FROM secrets s
       WHERE w.path = s.path AND w.claimant = $1 AND w.kind = 'rotate' AND w.done_at IS NULL
         AND s.pending_version IS DISTINCT FROM w.version`,
      [claimant, now],
    );
    const rows = await manager.query<ClaimRow[]>(
      `WITH claimed AS (
         UPDATE credential_work w SET claimed_at = $2, attempts = w.attempts + 1
         WHERE w.id IN (SELECT id FROM credential_work
                        WHERE claimant = $1 AND done_at IS NULL AND (claimed_at IS NULL OR claimed_at < $3)
                        ORDER BY created_at LIMIT $4 FOR UPDATE SKIP LOCKED)
         RETURNING w.*)
       SELECT ${WORK_COLUMNS}, s.type, s.tags,
              CASE WHEN w.kind = 'rotate' AND s.pending_version = w.version THEN s.pending_value END AS "pendingValue",
              v.version AS "sealedVersion", ${SEALED}
       FROM claimed w JOIN secrets s ON s.path = w.path
       JOIN secret_versions v ON v.path = w.path
         AND v.version = CASE WHEN w.kind = 'check' THEN w.version ELSE s.current_version END
       ORDER BY w.created_at`,
      [claimant, now, staleBefore, limit],
    );
    return rows.map((row) => ({
      ...workOf(row),
      type: row.type,
      tags: row.tags,
      current: { version: row.sealedVersion, sealed: sealedOf(row) },
      pending: pendingSealed(row.pendingValue),
    }));
  }

  async find(tx: Transaction, id: string): Promise<StoredWork | null> {
    const [row] = await managerOf(tx).query<WorkRow[]>(
      `SELECT ${WORK_COLUMNS} FROM credential_work w WHERE w.id = $1 FOR UPDATE`,
      [id],
    );
    return row ? workOf(row) : null;
  }

  async close(tx: Transaction, id: string, outcome: WorkOutcome, message: string, at: Date): Promise<void> {
    const manager = managerOf(tx);
    await manager.update(CredentialWorkRecord, { id }, { doneAt: at, outcome, message });
    await manager.query('SELECT pg_notify($1, $2)', [WORK_DONE, id]);
  }

  async waitFor(id: string, timeoutMs: number): Promise<{ outcome: WorkOutcome; message: string } | null> {
    const deadline = Date.now() + timeoutMs;
    const waiting = this.waiters.get(id) ?? new Set();
    this.waiters.set(id, waiting);
    let wake = () => {};
    let timer: NodeJS.Timeout | undefined;
    try {
      for (;;) {
        const woken = new Promise<void>((resolve) => waiting.add((wake = resolve)));
        // Read after listening: a report committed before the notification could reach us is found here.
        const row = await this.dataSource.getRepository(CredentialWorkRecord).findOne({
          select: { doneAt: true, outcome: true, message: true },
          where: { id },
        });
        if (row?.doneAt && row.outcome) return { outcome: row.outcome, message: row.message ?? '' };
        const left = deadline - Date.now();
        if (left <= 0) return null;
        const expired = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), left)));
        if ((await Promise.race([woken, expired])) === 'timeout') return null;
        clearTimeout(timer);
        waiting.delete(wake);
      }
    } finally {
      clearTimeout(timer);
      waiting.delete(wake);
      if (waiting.size === 0) this.waiters.delete(id);
    }
  }

  async claimDue(tx: Transaction, now: Date, limit: number): Promise<string[]> {
    // Each due credential gets one attempt per period: its next time moves on as it is claimed, so a
    // rotation abandoned or refused is tried again a period later, not at every round.
    // TypeORM answers an UPDATE … RETURNING on Postgres with [rows, count].
    const [rows] = await managerOf(tx).query<[Array<{ path: string }>, number]>(
      `UPDATE secrets SET next_rotation_at = $1::timestamptz + rotation_days * interval '1 day'
       WHERE path IN (
         SELECT path FROM secrets
         WHERE provider = 'AUTO_MANAGED' AND next_rotation_at <= $1 AND pending_version IS NULL AND active
         ORDER BY next_rotation_at LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING path`,
      [now, limit],
    );
    return rows.map((r) => r.path);
  }
}
