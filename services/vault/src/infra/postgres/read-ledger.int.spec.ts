import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { HatchStream, type SecretReadV1, type VaultClient } from '@hearth/contracts';
import { FastPath } from '@hearth/platform/postgres';
import { eventMark, expectNewEvents, pgEnv, queryDatabase, streamMessages, until } from '@hearth/testkit';
import { jetstreamManager } from '@nats-io/jetstream';
import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { secretReadEvent } from '../../domain/read.js';
import { startVaultHarness, type VaultHarness } from '../../test/vault-harness.js';
import { ReadLedger } from './read-ledger.js';

/** The backends of this database waiting for a lock on seen_nonces: commits held by the test's lock. */
const HELD_COMMITS = `SELECT pid FROM pg_stat_activity
                      WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%seen_nonces%'`;

describe('group commit of the audited reads', () => {
  let h: VaultHarness;
  let reader: VaultClient;
  const db = <T>(text: string, values: unknown[] = []) => queryDatabase<T>(h.db.name, text, values);

  beforeAll(async () => {
    h = await startVaultHarness();
    await h.root.write({ path: 'hearth/batch', values: { POSTGRES_PASSWORD: 'batch-password-1' } });
    ({ client: reader } = await h.principal('batch-reader', [{ pattern: 'hearth/batch', capabilities: ['read'] }]));
  });
  afterAll(() => h?.close());

  /**
   * Holds a lock that every commit of a read waits for (inserting a nonce), on a connection of the
   * test's own, so a batch stays in flight until the test kills its backend or lets go.
   */
  async function holdCommits(): Promise<{ release(): Promise<void> }> {
    const holder = new pg.Client({
      host: pgEnv.PGHOST,
      port: pgEnv.PGPORT,
      user: pgEnv.PGUSER,
      password: pgEnv.PGPASSWORD,
      database: h.db.name,
    });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE seen_nonces IN SHARE MODE');
    let released: Promise<void> | null = null;
    return {
      release: () => (released ??= holder.query('ROLLBACK').then(() => holder.end())),
    };
  }

  const heldCommits = async () => (await db<{ pid: number }>(HELD_COMMITS)).map((row) => row.pid);
  const killBackends = (pids: number[]) => db('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);

  /** A read event as the use case makes it, ready for the ledger. */
  const readEvent = (actor: string, nonce: string): SecretReadV1 => {
    const id = randomUUID();
    return {
      ...secretReadEvent({ actor, path: 'hearth/batch', nonce }, 1, 'OK'),
      id,
      stream: `SecretReadV1-${id}`,
      version: 1,
      metadata: {
        actor,
        correlation_id: randomUUID(),
        causation_id: null,
        trace_id: null,
        occurred_at: new Date().toISOString(),
      },
    };
  };

  /** How many times each id was committed as an event, and how many HATCH messages carry it. */
  async function recordsOf(ids: string[]): Promise<{ events: number[]; hatch: number[] }> {
    const rows = await db<{ id: string; n: number }>(
      'SELECT event_id::text AS id, count(*)::int AS n FROM events WHERE event_id = ANY($1::uuid[]) GROUP BY event_id',
      [ids],
    );
    await until(async () => (await db<{ n: number }>('SELECT count(*)::int AS n FROM outbox'))[0]!.n === 0, {
      what: 'the outbox drained',
    });
    const published = (await streamMessages(await jetstreamManager(h.nc), HatchStream.name)).map(
      (m) => (JSON.parse(Buffer.from(m.data).toString()) as { id: string }).id,
    );
    return {
      events: ids.map((id) => rows.find((row) => row.id === id)?.n ?? 0),
      hatch: ids.map((id) => published.filter((p) => p === id).length),
    };
  }

  it('commits reads that arrive together in one batch, refusing a replayed nonce for that read alone', async () => {
    const ledger = new ReadLedger(new FastPath(h.vault.runtime.dataSource));
    const keptBefore = randomUUID();
    await db('INSERT INTO seen_nonces (principal, nonce) VALUES ($1, $2)', ['batch-reader', keptBefore]);
    const held = await holdCommits();
    let answers: boolean[];
    const events = [randomUUID(), randomUUID(), randomUUID()].map((nonce) => readEvent('batch-reader', nonce));
    const [gate, first, second] = events as [SecretReadV1, SecretReadV1, SecretReadV1];
    const replayInBatch = readEvent('batch-reader', first.data.request_id);
    const replayOfKept = readEvent('batch-reader', keptBefore);
    try {
      // The first read commits alone at once; the others gather behind it, into one batch.
      const inFlight = ledger.record('batch-reader', gate.data.request_id, gate);
      await until(async () => (await heldCommits()).length === 1, { what: 'the first commit held' });
      const batch = [first, replayInBatch, second, replayOfKept].map((e) =>
        ledger.record('batch-reader', e.data.request_id, e),
      );
      await until(async () => (await heldCommits()).length === 2, { what: 'the batch held' });
      await held.release();
      answers = await Promise.all([inFlight, ...batch]);
    } finally {
      await held.release();
    }
    expect(answers).toEqual([true, true, false, true, false]);
    const ids = [gate, first, replayInBatch, second, replayOfKept].map((e) => e.id);
    expect(await recordsOf(ids)).toEqual({ events: [1, 1, 0, 1, 0], hatch: [1, 1, 0, 1, 0] });
  });

  it('fails every read of a batch whose backend is killed mid-commit, and commits none of them', async () => {
    const ledger = new ReadLedger(new FastPath(h.vault.runtime.dataSource));
    const from = await eventMark(h.db.name);
    const held = await holdCommits();
    const events = Array.from({ length: 11 }, () => readEvent('batch-reader', randomUUID()));
    let outcomes: PromiseSettledResult<boolean>[];
    try {
      const [gate, ...rest] = events.map((e) => ledger.record('batch-reader', e.data.request_id, e));
      await until(async () => (await heldCommits()).length === 2, { what: 'the first commit and a batch of ten held' });
      await killBackends(await heldCommits());
      outcomes = await Promise.allSettled([gate!, ...rest]);
    } finally {
      await held.release();
    }
    expect(outcomes.map((o) => o.status)).toEqual(events.map(() => 'rejected'));
    await expectNewEvents(h.db.name, from, []);
    // The pool replaced the dead connections: the next read commits.
    const after = readEvent('batch-reader', randomUUID());
    expect(await ledger.record('batch-reader', after.data.request_id, after)).toBe(true);
  });

  it('gives no value to any caller whose read was in a commit killed mid-batch', async () => {
    const from = await eventMark(h.db.name);
    const held = await holdCommits();
    let kills = 0;
    let errors: Array<Error & { code?: string }>;
    try {
      const reads = Array.from({ length: 12 }, () =>
        reader.read('hearth/batch').then(
          () => new Error('a read returned a value'),
          (e: unknown) => e as Error & { code?: string },
        ),
      );
      let settled = 0;
      for (const read of reads) void read.finally(() => settled++);
      // Every commit that comes to wait for the lock is killed, until every caller has its answer.
      await until(
        async () => {
          const pids = await heldCommits();
          kills += pids.length;
          if (pids.length > 0) await killBackends(pids);
          return settled === reads.length;
        },
        { what: 'every read answered', intervalMs: 10 },
      );
      errors = await Promise.all(reads);
    } finally {
      await held.release();
    }
    expect(kills).toBeGreaterThan(0);
    for (const error of errors) {
      expect(error.code).toBe('VAULT.READ_NOT_RECORDED');
      for (const text of [error.message, JSON.stringify(error), String(error), error.stack ?? ''])
        expect(text).not.toContain('batch-password-1');
    }
    await expectNewEvents(h.db.name, from, []);
    expect((await reader.read('hearth/batch')).values.POSTGRES_PASSWORD).toBe('batch-password-1');
  });

  it('records every value returned to many concurrent callers exactly once, as an event and in HATCH', async () => {
    const reads = await Promise.all(Array.from({ length: 64 }, () => reader.read('hearth/batch')));
    expect(reads.map((read) => read.values.POSTGRES_PASSWORD)).toEqual(reads.map(() => 'batch-password-1'));
    const ids = reads.map((read) => read.read_event_id);
    expect(new Set(ids).size).toBe(64);
    expect(await recordsOf(ids)).toEqual({ events: ids.map(() => 1), hatch: ids.map(() => 1) });
  });
});
