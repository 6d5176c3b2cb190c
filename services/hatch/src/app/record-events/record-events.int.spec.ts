import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { verifyChain } from '@hearth/audit-chain';
import { In } from 'typeorm';
import { AuditLogEntity, IngestPositionEntity, ParkedEventEntity } from '../../infra/postgres/entities.js';
import { secretReadFixture } from '@hearth/testkit';
import { randomBytes } from 'node:crypto';
import { signedHeaders, startHatchHarness, type HatchHarness } from '../../test/hatch-harness.js';
import { readChain } from '../../test/read-chain.js';
import type { HatchMessage } from '../ports.js';

/** RecordAuditEvents on its own: what a run of stream messages becomes, in the caller's transaction. */
describe('recording a run of HATCH messages', () => {
  let h: HatchHarness;
  /** The ingest position: the next run starts right after it. */
  let position = 0;
  beforeAll(async () => {
    h = await startHatchHarness({ checkpointEvery: 5 });
  });
  afterAll(() => h?.close());

  const repository = <T extends object>(entity: new () => T) => h.runtime.dataSource.getRepository(entity);
  /** A message as the vault's relay sends it, signed (what is no JSON is signed by nobody). */
  const message = (body: unknown, id: string, subject = 'hatch.vault.secret.read') => ({
    id,
    subject,
    text: typeof body === 'string' ? body : JSON.stringify(body),
    headers: typeof body === 'string' ? { get: () => '' } : signedHeaders(subject, id, body),
  });
  /** Records `messages` as the stream's next ones, right after `from` (the position, unless a test says otherwise). */
  const record = async (messages: Array<Omit<HatchMessage, 'streamSeq'>>, from = position) => {
    const run = messages.map((m, i) => ({ ...m, streamSeq: from + i + 1 }));
    const batch = await h.unitOfWork.run((tx) => h.hatch.useCases.recordAuditEvents.run(run, from, tx));
    position = from + messages.length;
    return batch;
  };

  it('chains the events it admits and signs every N-th record in the same transaction', async () => {
    const events = Array.from({ length: 7 }, (_, n) => secretReadFixture({ actor: `svc-${n}` }));
    const batch = await record(events.map((e) => message(e, e.id)));
    expect(batch.records.map((r) => [r.seq, r.event_id])).toEqual(events.map((e, i) => [i + 1, e.id]));
    expect(batch.checkpoints.map((c) => c.seq)).toEqual([5]);
    expect(await repository(IngestPositionEntity).findOneBy({ stream: 'HATCH' })).toMatchObject({ streamSeq: 7 });
    const { records, checkpoints } = await readChain(h.runtime.dataSource.manager);
    expect(verifyChain(records, checkpoints, h.publicKey)).toMatchObject({ ok: true, lastSeq: 7, unsignedTail: 2 });
  });

  it('refuses a run from an ingester whose position is stale, recording nothing of it', async () => {
    const body = secretReadFixture({ actor: 'svc-stale' });
    await expect(record([message(body, body.id)], position - 1)).rejects.toMatchObject({
      code: 'STORE.VERSION_CONFLICT',
    });
    expect(await repository(AuditLogEntity).countBy({ event_id: body.id })).toBe(0);
  });

  it('commits all of a run or none of it: records, ledger claims and position roll back together', async () => {
    const events = [secretReadFixture({ actor: 'svc-undone' }), secretReadFixture({ actor: 'svc-undone' })];
    const messages = events.map((e, i) => ({ ...message(e, e.id), streamSeq: position + i + 1 }));
    await expect(
      h.unitOfWork.run(async (tx) => {
        await h.hatch.useCases.recordAuditEvents.run(messages, position, tx);
        throw new Error('the transaction fails after the run');
      }),
    ).rejects.toThrow('the transaction fails after the run');
    expect(await repository(AuditLogEntity).countBy({ event_id: In(events.map((e) => e.id)) })).toBe(0);
    // Nothing of it was claimed or moved: the same run lands whole when tried again.
    const again = await record(messages);
    expect(again.records.map((r) => r.event_id)).toEqual(events.map((e) => e.id));
  });

  it('takes a message id once, and an event once under whatever message id', async () => {
    const event = secretReadFixture({ actor: 'svc-twice' });
    const first = await record([message(event, event.id), message(event, event.id)]);
    const again = await record([message(event, event.id), message(event, 'republished-under-another-id')]);
    expect(first).toMatchObject({ records: [{ event_id: event.id }], duplicates: 1 });
    expect(again).toMatchObject({ records: [], parked: [], duplicates: 2 });
    expect(await repository(AuditLogEntity).countBy({ event_id: event.id })).toBe(1);
  });

  it('parks what may not be recorded, with the reason, keeping a body only when it holds nothing secret', async () => {
    const leaked = 'hunter2-correct-horse-battery';
    const secret = secretReadFixture({ data: { credentials: { password: leaked } } });
    const notAnEvent = { ...secretReadFixture(), metadata: { actor: 'x' } };
    const badSubject = secretReadFixture();
    const after = secretReadFixture({ actor: 'svc-after-them' });
    const batch = await record([
      message('{"id": nope', 'garbage-1'),
      message(secret, secret.id),
      message(notAnEvent, notAnEvent.id),
      message(badSubject, badSubject.id, 'hatch.Vault.secret.read'),
      message(after, after.id),
    ]);
    // The run went on past them, each parked in the chain as hatch's entry too, its body left out.
    expect(batch.records.filter((r) => r.source !== 'hatch').map((r) => r.event_id)).toEqual([after.id]);
    const inChain = batch.records.filter((r) => r.action === 'event.parked');
    expect(inChain.map((r) => (r.data as { message_id: string }).message_id)).toEqual([
      'garbage-1',
      secret.id,
      notAnEvent.id,
      badSubject.id,
    ]);
    expect(JSON.stringify(batch.records)).not.toContain(leaked);

    const parked = await repository(ParkedEventEntity).findBy({
      messageId: In(['garbage-1', secret.id, notAnEvent.id, badSubject.id]),
    });
    const byId = new Map(parked.map((p) => [p.messageId, p]));
    expect(byId.get('garbage-1')).toMatchObject({ reason: 'not JSON', body: null });
    expect(byId.get(secret.id)).toMatchObject({
      reason: expect.stringContaining('data.credentials.password'),
      body: null,
    });
    expect(byId.get(notAnEvent.id)).toMatchObject({ reason: expect.stringContaining('metadata'), body: notAnEvent });
    expect(byId.get(badSubject.id)).toMatchObject({
      reason: expect.stringContaining('not an audit subject'),
      body: badSubject,
    });
    const [{ n }] = await h.runtime.dataSource.query<[{ n: number }]>(
      `SELECT (SELECT count(*) FROM audit_log WHERE data::text LIKE $1)
            + (SELECT count(*) FROM parked_events WHERE reason LIKE $1 OR body::text LIKE $1) AS n`,
      [`%${leaked}%`],
    );
    expect(Number(n)).toBe(0);
  });

  it('parks a field past its bound and an id the ledger cannot hold, instead of failing the run on them', async () => {
    // Random, so that Postgres cannot compress it under the btree limit (~2,700 bytes).
    const huge = randomBytes(4_500).toString('base64url');
    const longActor = secretReadFixture();
    const longPath = secretReadFixture();
    const hugeId = secretReadFixture({ actor: 'svc-huge-id' });
    const after = secretReadFixture({ actor: 'svc-after-the-huge' });
    const from = position;
    const batch = await record([
      message({ ...longActor, metadata: { ...longActor.metadata, actor: huge } }, longActor.id),
      message({ ...longPath, data: { ...longPath.data, path: huge } }, longPath.id),
      message(hugeId, huge),
      message(after, after.id),
    ]);
    expect(batch.records.filter((r) => r.source !== 'hatch').map((r) => r.event_id)).toEqual([after.id]);
    expect(batch.records.filter((r) => r.action === 'event.parked')).toHaveLength(3);

    const parked = await repository(ParkedEventEntity).findBy({
      messageId: In([longActor.id, longPath.id, `HATCH:${from + 3}`]),
    });
    const byId = new Map(parked.map((p) => [p.messageId, p]));
    expect(byId.get(longActor.id)?.reason).toContain('metadata.actor');
    expect(byId.get(longPath.id)?.reason).toContain('path');
    expect(byId.get(`HATCH:${from + 3}`)).toMatchObject({ reason: expect.stringContaining('Nats-Msg-Id'), body: null });
    // Kept bounded: a parked body is dropped when it is this large.
    expect(byId.get(longActor.id)?.body).toBeNull();
  });
});
