import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TypeOrmUnitOfWork } from '@hearth/platform/postgres';
import { verifyChain } from '@hearth/audit-chain';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { secretRead } from '../../test/audit-events.js';
import { startHatchHarness, type HatchHarness } from '../../test/hatch-harness.js';
import { composeHatch } from '../../compose.js';
import { readChain } from '../../test/read-chain.js';

describe('recording the HATCH stream', () => {
  let h: HatchHarness;
  beforeAll(async () => {
    h = await startHatchHarness({ duplicateWindowSeconds: 1, checkpointEvery: 10 });
    h.hatch.ingest.start();
  });
  afterAll(() => h?.close());

  const query = <T>(sql: string, params: unknown[] = []) => h.runtime.dataSource.query<T>(sql, params);
  const total = async () => (await query<Array<{ n: number }>>('SELECT count(*)::int AS n FROM audit_log'))[0]!.n;

  it('appends every event once, in stream order, seq without gaps, chained and checkpointed', async () => {
    const before = await total();
    const events = Array.from({ length: 30 }, (_, n) => secretRead({ actor: `svc-${n}` }));
    for (const event of events) await h.publish(event);
    await h.recorded(before + 30);

    const { records, checkpoints } = await readChain(h.runtime.dataSource.manager);
    const mine = records.slice(before);
    expect(mine.map((r) => r.event_id)).toEqual(events.map((e) => e.id));
    expect(records.map((r) => r.seq)).toEqual(records.map((_, i) => i + 1));
    expect(mine[0]).toMatchObject({
      source: 'vault',
      action: 'secret.read',
      actor: 'svc-0',
      event_type: 'SecretReadV1',
      subject_path: 'hearth/acme/postgres',
      workspace_slug: 'acme',
      outcome: 'OK',
      data: events[0]!.data,
    });
    expect(checkpoints.map((c) => c.seq)).toEqual(expect.arrayContaining([10, 20, 30]));
    expect(verifyChain(records, checkpoints, h.publicKey)).toMatchObject({ ok: true });
  });

  it('resumes after the last commit when stopped and started again, taking nothing twice', async () => {
    await h.hatch.ingest.stop();
    const before = await total();
    const events = Array.from({ length: 20 }, (_, n) => secretRead({ actor: `svc-resume-${n}` }));
    for (const event of events) await h.publish(event);
    expect(await total()).toBe(before);
    h.hatch.ingest.start();
    await h.recorded(before + 20);
    const { records, checkpoints } = await readChain(h.runtime.dataSource.manager);
    expect(records.slice(before).map((r) => r.event_id)).toEqual(events.map((e) => e.id));
    expect(verifyChain(records, checkpoints, h.publicKey)).toMatchObject({ ok: true });
    expect(await h.hatch.ingest.lag()).toBe(0);
  });

  it('stays in stream order, each event once, with a second hatch ingesting the same stream', async () => {
    const second = composeHatch(
      h.runtime,
      {
        HATCH_CHECKPOINT_EVERY: 10,
        HATCH_INGEST_BATCH: 7,
        HATCH_READER_ROLES: ['auditor'],
        HATCH_TOKEN_CACHE_SECONDS: 0,
      },
      { signer: h.hatch.signer },
    );
    second.ingest.start();
    try {
      const before = await total();
      const events = Array.from({ length: 120 }, (_, n) => secretRead({ actor: `svc-pair-${n}` }));
      for (const event of events) await h.publish(event);
      await h.recorded(before + 120);
      await sleep(300);
      const { records, checkpoints } = await readChain(h.runtime.dataSource.manager);
      expect(records.slice(before).map((r) => r.event_id)).toEqual(events.map((e) => e.id));
      expect(verifyChain(records, checkpoints, h.publicKey)).toMatchObject({ ok: true });
    } finally {
      await second.ingest.stop();
    }
  });

  it('refuses a batch from an ingester whose position is stale, recording nothing of it', async () => {
    const before = await total();
    const rows = await query<Array<{ stream_seq: string }>>('SELECT stream_seq FROM ingest_position');
    const position = Number(rows[0]!.stream_seq);
    const body = secretRead({ actor: 'svc-stale' });
    const message = {
      id: body.id,
      subject: 'hatch.vault.secret.read',
      streamSeq: position + 1,
      text: JSON.stringify(body),
    };
    await expect(
      new TypeOrmUnitOfWork(h.runtime.dataSource).run((tx) =>
        h.hatch.recordAuditEvents.run([message], position - 1, tx),
      ),
    ).rejects.toMatchObject({ code: 'STORE.VERSION_CONFLICT' });
    expect(await total()).toBe(before);
    expect(await countOf(body.id)).toBe(0);
  });

  it('parks a message that is not JSON, and goes on', async () => {
    const after = secretRead({ actor: 'svc-after-garbage' });
    await h.runtime.js.publish('hatch.vault.secret.read', '{"id": nope', { msgID: 'garbage-1' });
    await h.publish(after);
    await waitFor(async () => (await countOf(after.id)) === 1);
    const parked = await query<Array<{ reason: string; body: unknown }>>(
      'SELECT reason, body FROM parked_events WHERE message_id = $1',
      ['garbage-1'],
    );
    expect(parked).toEqual([{ reason: 'not JSON', body: null }]);
  });

  it('stores an event once: published 3 times in the duplicate window, once after it, once under another id', async () => {
    const event = secretRead({ actor: 'svc-dup' });
    const acks = [await h.publish(event), await h.publish(event), await h.publish(event)];
    expect(acks.map((a) => a.duplicate)).toEqual([false, true, true]);
    await sleep(1_500); // past the stream's 1 s duplicate window
    expect((await h.publish(event)).duplicate).toBe(false); // JetStream takes it again…
    expect((await h.publish(event, { msgID: randomUUID() })).duplicate).toBe(false); // …and this one too

    const sentinel = secretRead({ actor: 'svc-sentinel' }); // behind them in the stream
    await h.publish(sentinel);
    await waitFor(async () => (await countOf(sentinel.id)) === 1);
    expect(await countOf(event.id)).toBe(1);
  });

  it('parks an event with a secret-looking field, keeping neither the value nor the body', async () => {
    const leaked = 'hunter2-correct-horse-battery';
    const secret = secretRead({ data: { credentials: { password: leaked } } });
    const after = secretRead({ actor: 'svc-after-secret' });
    await h.publish(secret);
    await h.publish(after);
    await waitFor(async () => (await countOf(after.id)) === 1); // the log went on past it

    expect(await countOf(secret.id)).toBe(0);
    const parked = await query<Array<{ reason: string; body: unknown; message_id: string }>>(
      'SELECT reason, body, message_id FROM parked_events WHERE message_id = $1',
      [secret.id],
    );
    expect(parked).toEqual([
      { reason: expect.stringContaining('data.credentials.password'), body: null, message_id: secret.id },
    ]);
    const anywhere = await query<Array<{ n: number }>>(
      `SELECT (SELECT count(*) FROM audit_log WHERE data::text LIKE $1)
            + (SELECT count(*) FROM parked_events WHERE reason LIKE $1 OR body::text LIKE $1) AS n`,
      [`%${leaked}%`],
    );
    expect(Number(anywhere[0]!.n)).toBe(0);
  });

  it('parks what is not an audit event, keeping the body to look at', async () => {
    const bad = { ...secretRead(), metadata: { actor: 'x' } };
    const badSubject = secretRead();
    const after = secretRead({ actor: 'svc-after-bad' });
    await h.publish(bad);
    await h.publish(badSubject, { subject: 'hatch.Vault.secret.read' });
    await h.publish(after);
    await waitFor(async () => (await countOf(after.id)) === 1);

    const parked = await query<Array<{ message_id: string; reason: string; body: unknown }>>(
      'SELECT message_id, reason, body FROM parked_events WHERE message_id = ANY($1) ORDER BY received_at',
      [[bad.id, badSubject.id]],
    );
    expect(parked).toEqual([
      { message_id: bad.id, reason: expect.stringContaining('metadata'), body: bad },
      { message_id: badSubject.id, reason: expect.stringContaining('not an audit subject'), body: badSubject },
    ]);
    expect(await countOf(bad.id)).toBe(0);
    expect(await countOf(badSubject.id)).toBe(0);
  });

  it('signs the head on the timer when records arrived since the last checkpoint', async () => {
    await h.publish(secretRead({ actor: 'svc-timer' }));
    const head = await waitFor(async () => {
      const chain = await readChain(h.runtime.dataSource.manager);
      return chain.records.at(-1)?.actor === 'svc-timer' ? chain.records.at(-1)! : null;
    });
    const checkpoint = await h.hatch.signCheckpoint.run();
    expect(checkpoint).toMatchObject({ seq: head.seq, hash: head.hash });
    expect(await h.hatch.signCheckpoint.run()).toBeNull(); // nothing new since
    const { records, checkpoints } = await readChain(h.runtime.dataSource.manager);
    expect(verifyChain(records, checkpoints, h.publicKey)).toMatchObject({ ok: true, unsignedTail: 0 });
  });

  async function countOf(eventId: string): Promise<number> {
    const rows = await query<Array<{ n: number }>>('SELECT count(*)::int AS n FROM audit_log WHERE event_id = $1', [
      eventId,
    ]);
    return rows[0]!.n;
  }
});

async function waitFor<T>(probe: () => Promise<T>, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(50);
  }
}
