import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AuthenticatedOperator } from '@hearth/contracts';
import { until } from '@hearth/testkit';
import { secretReadFixture } from '@hearth/testkit';
import { answerTokenChecks } from '../../test/console-stand-in.js';
import { startHatchHarness, type HatchHarness } from '../../test/hatch-harness.js';
import type { AuditorTailItem } from './auditor-tail.js';

/** A live tail asks about its token again every token cache period, and ends once the answer is no. */
describe("an auditor's live tail", () => {
  let h: HatchHarness;
  const holders = new Map<string, AuthenticatedOperator>();
  beforeAll(async () => {
    h = await startHatchHarness({ tokenCacheSeconds: 1, startWorkers: true });
    answerTokenChecks(h.runtime.nc, holders);
  });
  afterAll(() => h?.close());

  /** Opens a tail after the current head and collects what it yields until it ends or is closed. */
  async function openTail(token: string) {
    const stop = new AbortController();
    const items: AuditorTailItem[] = [];
    const head = await h.hatch.useCases.tailRecords.headSeq();
    const ended = (async () => {
      for await (const item of h.hatch.useCases.auditorTail.run(`Bearer ${token}`, {}, head, stop.signal))
        items.push(item);
    })();
    return { items, ended, close: () => stop.abort() };
  }

  it("ends with the refusal's code once the token is revoked or its role may not read; a valid tail stays live", async () => {
    holders.set('hth_revoked', { name: 'auditor-revoked', role: 'auditor' });
    holders.set('hth_demoted', { name: 'auditor-demoted', role: 'auditor' });
    holders.set('hth_valid', { name: 'auditor-valid', role: 'auditor' });
    const revoked = await openTail('hth_revoked');
    const demoted = await openTail('hth_demoted');
    const valid = await openTail('hth_valid');
    // Each has said it is idle after a re-check that its token passed.
    await until(() => [revoked, demoted, valid].every((t) => t.items.length >= 2), { what: 'two keep-alives each' });

    holders.delete('hth_revoked');
    holders.set('hth_demoted', { name: 'auditor-demoted', role: 'operator' });
    const changed = Date.now();
    await Promise.all([revoked.ended, demoted.ended]);
    expect(revoked.items.at(-1)).toMatchObject({ kind: 'refused', error: { code: 'AUTH.UNAUTHENTICATED' } });
    expect(demoted.items.at(-1)).toMatchObject({ kind: 'refused', error: { code: 'AUTH.FORBIDDEN' } });
    // A 1 s cache re-checked every 1 s ends them within about 2 s; the rest is slack for a busy machine.
    expect(Date.now() - changed).toBeLessThan(6_000);

    const event = secretReadFixture({ actor: 'svc-after-revoke' });
    await h.publish(event);
    await until(() => valid.items.some((i) => i.kind === 'record' && i.record.event_id === event.id), {
      what: 'the valid tail got the new record',
    });
    expect(valid.items.some((i) => i.kind === 'refused')).toBe(false);
    valid.close();
    await valid.ended;
  });
});
