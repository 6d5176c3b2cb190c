import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AuditFilter, AuditRecord } from '@hearth/contracts';
import { until } from '@hearth/testkit';
import { setTimeout as sleep } from 'node:timers/promises';
import { secretReadFixture } from '@hearth/testkit';
import { startHatchHarness, type HatchHarness } from '../../test/hatch-harness.js';
import type { TailItem } from './tail-records.js';

describe('the live tail', () => {
  let h: HatchHarness;
  beforeAll(async () => {
    h = await startHatchHarness({ startWorkers: true });
  });
  afterAll(() => h?.close());

  /** Takes `count` records off a tail, then stops it. */
  async function take(count: number, filter: AuditFilter, afterSeq: number, onStart?: () => void) {
    const stop = new AbortController();
    const records: AuditRecord[] = [];
    const items: AsyncGenerator<TailItem> = h.hatch.useCases.tailRecords.run(filter, afterSeq, stop.signal, 200);
    onStart?.();
    for await (const item of items) {
      if (item.kind === 'record') records.push(item.record);
      if (records.length === count) stop.abort();
    }
    return records;
  }

  it('runs from history into live with no gap and no repeat while events keep coming', async () => {
    let published = 0;
    const publishing = (async () => {
      for (; published < 150; published++) {
        await h.publish(secretReadFixture({ actor: published % 3 === 0 ? 'svc-third' : 'svc-other' }));
        if (published % 10 === 0) await sleep(5); // paced, so the tail meets them live
      }
    })();
    await h.recorded(40); // some history first; the rest arrives while the tail runs
    const records = await take(150, {}, 0);
    await publishing;
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
  });

  it('filters, and resumes after a seq without repeating it', async () => {
    const thirds = await take(50, { actor: 'svc-third' }, 0);
    expect(thirds.every((r) => r.actor === 'svc-third')).toBe(true);
    expect(thirds.map((r) => r.seq)).toEqual(Array.from({ length: 50 }, (_, i) => 3 * i + 1));
    const resumed = await take(3, { actor: 'svc-third' }, thirds[9]!.seq);
    expect(resumed.map((r) => r.seq)).toEqual([thirds[10]!.seq, thirds[11]!.seq, thirds[12]!.seq]);
  });

  it('waits for new records, says when idle, and stops when asked', async () => {
    const head = await h.hatch.useCases.tailRecords.headSeq();
    const stop = new AbortController();
    const seen: TailItem[] = [];
    const tail = (async () => {
      for await (const item of h.hatch.useCases.tailRecords.run({}, head, stop.signal, 200)) {
        seen.push(item);
        if (item.kind === 'record') stop.abort();
      }
    })();
    await until(() => seen.length >= 2, { what: 'the tail said it is idle twice' });
    expect(seen.every((item) => item.kind === 'idle')).toBe(true);
    const event = secretReadFixture({ actor: 'svc-late' });
    const sent = Date.now();
    await h.publish(event);
    await tail;
    expect(seen.at(-1)).toMatchObject({ kind: 'record', record: { seq: head + 1, event_id: event.id } });
    expect(Date.now() - sent).toBeLessThan(2_000); // woken by NOTIFY: the harness polls every 30 s
  });
});
