import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { auditSubject, AuditRecordQuery, LeaseIssuedV1, VAULT_AUDIT_ACTIONS } from '@hearth/contracts';
import { SAMPLE_READS, secretReadFixture } from '@hearth/testkit';
import { randomUUID } from 'node:crypto';
import { startHatchHarness, type HatchHarness } from '../../test/hatch-harness.js';

describe("the auditor's search", () => {
  let h: HatchHarness;
  beforeAll(async () => {
    h = await startHatchHarness();
    await h.append(
      SAMPLE_READS.map(([actor, workspace, outcome], n) =>
        secretReadFixture({ actor, workspace, outcome, occurredAt: new Date(Date.UTC(2026, 10, 22, 10, n + 1)) }),
      ),
      0,
    );
  });
  afterAll(() => h?.close());

  const search = (query: Record<string, unknown>) => h.hatch.useCases.searchRecords.run(AuditRecordQuery.parse(query));
  const seqs = async (query: Record<string, unknown>) => (await search(query)).items.map((r) => r.seq);

  it('filters by actor, path prefix, workspace, source and action, outcome and time', async () => {
    expect(await seqs({ actor: 'svc-search' })).toEqual([2, 5, 8, 11]);
    expect(await seqs({ path_prefix: 'hearth/glob' })).toEqual([3, 5, 10]);
    expect(await seqs({ workspace: 'initech' })).toEqual([7, 11]);
    expect(await seqs({ outcome: 'DENIED' })).toEqual([3, 6]);
    expect(await seqs({ source: 'vault', action: 'secret.read', limit: 1 })).toEqual([1]);
    expect(await seqs({ action: 'secret.write' })).toEqual([]);
    expect(await seqs({ from: '2026-11-22T10:03:00Z', to: '2026-11-22T10:05:00Z' })).toEqual([3, 4]);
    expect(await seqs({ from: '2026-11-22T12:03:00+02:00', to: '2026-11-22T12:05:00+02:00' })).toEqual([3, 4]);
    expect(await seqs({ actor: 'svc-billing', workspace: 'acme', outcome: 'OK' })).toEqual([1, 4, 9, 12]);
  });

  it('pages by seq either way, and says where the head was', async () => {
    const first = await search({ actor: 'svc-billing', limit: 3 });
    expect(first).toMatchObject({ next_cursor: 4, head_seq: 12 });
    expect(first.items.map((r) => r.seq)).toEqual([1, 3, 4]);
    expect(await seqs({ actor: 'svc-billing', limit: 3, after_seq: 4 })).toEqual([6, 7, 9]);
    const last = await search({ actor: 'svc-billing', limit: 3, after_seq: 10 });
    expect(last).toMatchObject({ items: [{ seq: 12 }], next_cursor: null });

    const newest = await search({ order: 'desc', limit: 2 });
    expect(newest.items.map((r) => r.seq)).toEqual([12, 11]);
    expect(await seqs({ order: 'desc', limit: 2, before_seq: newest.next_cursor })).toEqual([10, 9]);
  });

  it('gives records back as they were chained', async () => {
    const [record] = (await search({ limit: 1 })).items;
    expect(record).toMatchObject({
      seq: 1,
      event_type: 'SecretReadV1',
      occurred_at: '2026-11-22T10:01:00.000Z',
      source: 'vault',
      action: 'secret.read',
      actor: 'svc-billing',
      subject_path: 'hearth/acme/postgres',
      workspace_slug: 'acme',
      outcome: 'OK',
      prev_hash: '0'.repeat(64),
    });
  });
});

/** A lease's issue as the vault reports it to HATCH: it names the database user. */
function leaseIssued(username: string): LeaseIssuedV1 {
  const id = randomUUID();
  return LeaseIssuedV1.parse({
    id,
    type: 'LeaseIssuedV1',
    stream: `LeaseIssuedV1-${id}`,
    version: 1,
    data: {
      path: `db/creds/readonly/${username.slice(-4)}aaaaaaaaaaaaaaaaaaaa`,
      lease_id: `db/creds/readonly/${username.slice(-4)}aaaaaaaaaaaaaaaaaaaa`,
      engine: 'reporting-db',
      role: 'readonly',
      workspace_slug: 'acme',
      username,
      by: 'svc-reporting',
      expires_at: '2026-12-02T11:00:00.000Z',
      max_expires_at: '2026-12-03T10:00:00.000Z',
      request_id: randomUUID(),
    },
    metadata: {
      actor: 'svc-reporting',
      correlation_id: randomUUID(),
      causation_id: null,
      trace_id: null,
      occurred_at: '2026-12-02T10:00:00.000Z',
    },
  });
}

describe("the auditor's search by database user", () => {
  let h: HatchHarness;
  beforeAll(async () => {
    h = await startHatchHarness({ startWorkers: true });
    const subject = auditSubject('vault', VAULT_AUDIT_ACTIONS.LeaseIssuedV1);
    await h.publish(secretReadFixture());
    for (const username of ['v_readonly_k3j2', 'v_readonly_x9z8', 'v_readonly_k3j2']) {
      await h.publish(leaseIssued(username), { subject });
    }
    await h.recorded(4);
  });
  afterAll(() => h?.close());

  it('finds every record naming the user, and no other', async () => {
    const page = await h.hatch.useCases.searchRecords.run(AuditRecordQuery.parse({ username: 'v_readonly_k3j2' }));
    expect(page.items.map((r) => [r.event_type, r.data.username])).toEqual([
      ['LeaseIssuedV1', 'v_readonly_k3j2'],
      ['LeaseIssuedV1', 'v_readonly_k3j2'],
    ]);
  });
});
