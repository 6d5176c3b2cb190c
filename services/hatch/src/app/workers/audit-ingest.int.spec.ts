import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { verifyChain } from '@hearth/audit-chain';
import { until } from '@hearth/testkit';
import { randomUUID } from 'node:crypto';
import { In } from 'typeorm';
import { AuditLogEntity, ParkedEventEntity } from '../../infra/postgres/entities.js';
import { secretReadFixture } from '@hearth/testkit';
import { startHatchHarness, type HatchHarness } from '../../test/hatch-harness.js';
import { readChain } from '../../test/read-chain.js';

describe('the ingest: the HATCH stream into the log', () => {
  let h: HatchHarness;
  beforeAll(async () => {
    h = await startHatchHarness({ duplicateWindowSeconds: 1, checkpointEvery: 10 });
    h.hatch.workers.ingest.start();
  });
  afterAll(() => h?.close());

  const chain = () => readChain(h.runtime.dataSource.manager);
  const countOf = (eventId: string) =>
    h.runtime.dataSource.getRepository(AuditLogEntity).countBy({ event_id: eventId });
  const isRecorded = async (eventId: string) => (await countOf(eventId)) === 1;

  it('appends every event once, in stream order, seq without gaps, chained and checkpointed', async () => {
    const before = await h.count();
    const events = Array.from({ length: 30 }, (_, n) => secretReadFixture({ actor: `svc-${n}` }));
    for (const event of events) await h.publish(event);
    await h.recorded(before + 30);

    const { records, checkpoints } = await chain();
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
    await h.hatch.workers.ingest.stop();
    const before = await h.count();
    const events = Array.from({ length: 20 }, (_, n) => secretReadFixture({ actor: `svc-resume-${n}` }));
    for (const event of events) await h.publish(event);
    expect(await h.count()).toBe(before);
    expect(await h.hatch.workers.ingest.lag()).toBe(20);
    h.hatch.workers.ingest.start();
    await h.recorded(before + 20);
    const { records, checkpoints } = await chain();
    expect(records.slice(before).map((r) => r.event_id)).toEqual(events.map((e) => e.id));
    expect(verifyChain(records, checkpoints, h.publicKey)).toMatchObject({ ok: true });
    expect(await h.hatch.workers.ingest.lag()).toBe(0);
  });

  it('stays in stream order, each event once, with a second hatch standing by; takes over when the ingester dies', async () => {
    const second = await h.startReplica({ startWorkers: true });
    /** The backends holding the ingest's turn in this test's database (another test's hatch takes its own). */
    const holders = () =>
      h.runtime.dataSource.query<Array<{ pid: number }>>(
        `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND ((classid::bigint << 32) | objid::bigint) = hashtextextended('hearth.hatch-ingest', 0)`,
      );
    /** The consumers that read HATCH to its end (a stopped reading's consumer lingers a while, behind). */
    const readers = async () => {
      const last = (await h.runtime.jsm.streams.info('HATCH')).state.last_seq;
      const consumers = await h.runtime.jsm.consumers.list('HATCH').next();
      return consumers.filter((c) => c.delivered.stream_seq === last).length;
    };
    const publishAndCheck = async (label: string) => {
      const before = await h.count();
      const events = Array.from({ length: 60 }, (_, n) => secretReadFixture({ actor: `svc-${label}-${n}` }));
      for (const event of events) await h.publish(event);
      await h.recorded(before + 60);
      // Nothing can land twice once the shared position is at the stream's end: a batch from behind it is refused.
      await until(async () => (await second.hatch.workers.ingest.lag()) === 0, {
        what: 'the position reached the end',
      });
      const { records, checkpoints } = await chain();
      expect(records.slice(before).map((r) => r.event_id)).toEqual(events.map((e) => e.id));
      expect(verifyChain(records, checkpoints, h.publicKey)).toMatchObject({ ok: true });
    };
    try {
      await publishAndCheck('pair');
      expect(await holders()).toHaveLength(1);
      expect(await readers()).toBe(1);

      // The ingester's session ends as a killed process's would: the turn is free, and taken again.
      const [holder] = await holders();
      await h.runtime.dataSource.query('SELECT pg_terminate_backend($1)', [holder!.pid]);
      await until(async () => (await holders()).some((backend) => backend.pid !== holder!.pid), {
        timeoutMs: 5_000,
        what: 'the turn taken over',
      });
      await publishAndCheck('takeover');
      expect(await holders()).toHaveLength(1);
      expect(await readers()).toBe(1);
    } finally {
      await second.stop();
    }
  });

  it('reads again within 10 s of NATS answering after an outage (nats.js alone waited out a 30 s pull)', async () => {
    const before = await h.count();
    await h.publish(secretReadFixture({ actor: 'svc-before-outage' }));
    await h.recorded(before + 1);
    await h.nats.restart(1_000);
    const first = secretReadFixture({ actor: 'svc-after-outage' });
    const stored = () =>
      h.publish(first).then(
        () => true,
        () => false,
      );
    await until(stored, { what: 'JetStream took an event again' });
    // nats.js's ordered consumer, recreated, pulled one message and then waited out its 30 s pull.
    const later = Array.from({ length: 3 }, (_, n) => secretReadFixture({ actor: `svc-after-outage-${n}` }));
    for (const event of later) await h.publish(event);
    // The time the issue allows is the condition itself.
    await until(() => isRecorded(later.at(-1)!.id), {
      timeoutMs: 10_000,
      what: 'hatch reading again after the outage',
    });
  });

  it('parks a message that is not JSON, and goes on', async () => {
    const after = secretReadFixture({ actor: 'svc-after-garbage' });
    await h.runtime.js.publish('hatch.vault.secret.read', '{"id": nope', { msgID: 'garbage-1' });
    await h.publish(after);
    await until(() => isRecorded(after.id), { what: 'the event after it was recorded' });
    const parked = await h.runtime.dataSource.getRepository(ParkedEventEntity).findBy({ messageId: 'garbage-1' });
    expect(parked).toMatchObject([{ reason: 'not JSON', body: null }]);
  });

  it('stores an event once: published 3 times in the duplicate window, once after it, once under another id', async () => {
    const event = secretReadFixture({ actor: 'svc-dup' });
    const acks = [await h.publish(event), await h.publish(event), await h.publish(event)];
    expect(acks.map((a) => a.duplicate)).toEqual([false, true, true]);
    // JetStream takes it again once its 1 s duplicate window has passed…
    await until(async () => !(await h.publish(event)).duplicate, { intervalMs: 200, what: 'the window passed' });
    expect((await h.publish(event, { msgID: randomUUID() })).duplicate).toBe(false); // …and this one at once

    const sentinel = secretReadFixture({ actor: 'svc-sentinel' }); // behind them in the stream
    await h.publish(sentinel);
    await until(() => isRecorded(sentinel.id), { what: 'the sentinel was recorded' });
    expect(await countOf(event.id)).toBe(1);
  });

  it('parks what may not be recorded and records what follows it in the same run', async () => {
    const secret = secretReadFixture({ data: { credentials: { password: 'hunter2' } } });
    const badSubject = secretReadFixture();
    const after = secretReadFixture({ actor: 'svc-after-bad' });
    await h.publish(secret);
    await h.publish(badSubject, { subject: 'hatch.Vault.secret.read' });
    await h.publish(after);
    await until(() => isRecorded(after.id), { what: 'the event after them was recorded' });
    const parked = await h.runtime.dataSource
      .getRepository(ParkedEventEntity)
      .findBy({ messageId: In([secret.id, badSubject.id]) });
    expect(parked.map((p) => p.messageId).sort()).toEqual([secret.id, badSubject.id].sort());
    expect(await countOf(secret.id)).toBe(0);
    expect(await countOf(badSubject.id)).toBe(0);
  });
});
