import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ErrorCode } from '@hearth/contracts';
import { eventMark, expectNewEvents } from '@hearth/testkit';
import { callers, startConsoleHarness, type ConsoleHarness } from '../../test/console-harness.js';

const NOW = new Date('2026-12-03T10:00:00.000Z');

describe('the tenancy tree', () => {
  let h: ConsoleHarness;
  beforeAll(async () => {
    h = await startConsoleHarness({ clock: { now: () => NOW } });
  });
  afterAll(() => h?.close());

  const created = NOW.toISOString();
  const audits = () =>
    h.runtime.dataSource.query<Array<{ payload: string }>>(
      `SELECT payload FROM outbox WHERE subject = 'hatch.console.tenant.create' ORDER BY position`,
    );

  it('takes an org, a team in it and a workspace in that team, each as the first event of its own stream', async () => {
    const { createTenant, readTenancy } = h.useCases;
    const mark = await eventMark(h.db.name);
    expect(await createTenant.org({ slug: 'acme', display_name: 'Acme Inc.' }, callers.operator)).toEqual({
      slug: 'acme',
      display_name: 'Acme Inc.',
      created,
    });
    expect(await createTenant.team({ slug: 'platform', display_name: 'Platform', org: 'acme' }, callers.admin)).toEqual(
      { slug: 'platform', display_name: 'Platform', org: 'acme', created },
    );
    const web = { slug: 'web', display_name: 'Web', team: 'platform', org: 'acme', created };
    expect(await createTenant.workspace({ slug: 'web', display_name: 'Web', team: 'platform' }, callers.admin)).toEqual(
      web,
    );
    const events = await expectNewEvents(h.db.name, mark, [
      { type: 'OrgCreatedV1' },
      { type: 'TeamCreatedV1' },
      { type: 'WorkspaceCreatedV1', data: { org: 'acme' } },
    ]);
    expect(events.map((e) => `${e.stream}@${e.version}`)).toEqual(['org-acme@1', 'team-platform@1', 'workspace-web@1']);
    expect(events[0]!.metadata.actor).toBe('operator:test-operator');
    expect((await audits()).map((row): unknown => JSON.parse(row.payload))).toMatchObject(
      events.map((event) => ({
        id: event.id,
        type: 'TenantCreateAuditedV1',
        data: { kind: event.stream.split('-')[0], slug: event.data.slug, outcome: 'OK' },
      })),
    );

    expect(await readTenancy.workspace('web', callers.auditor)).toEqual(web);
    expect(await readTenancy.orgs(callers.auditor)).toEqual({
      items: [{ slug: 'acme', display_name: 'Acme Inc.', created }],
    });
    expect(await readTenancy.teams({ org: 'acme' }, callers.auditor)).toMatchObject({ items: [{ slug: 'platform' }] });
    expect(await readTenancy.teams({ org: 'other' }, callers.auditor)).toEqual({ items: [] });
    expect(await readTenancy.workspaces({ team: 'platform' }, callers.auditor)).toEqual({ items: [web] });
    expect(await readTenancy.workspaces({ org: 'acme' }, callers.auditor)).toEqual({ items: [web] });
    expect(await h.useCases.getWorkspaceScope.run('web')).toEqual({ workspace: 'web', team: 'platform', org: 'acme' });
  });

  it('refuses a slug taken, a missing parent and a role that may not write, recording nothing', async () => {
    const { createTenant, readTenancy } = h.useCases;
    await createTenant.org({ slug: 'taken', display_name: 'Taken' }, callers.admin);
    const mark = await eventMark(h.db.name);
    const queued = (await audits()).length;
    await expect(createTenant.org({ slug: 'taken', display_name: 'Again' }, callers.admin)).rejects.toMatchObject({
      code: ErrorCode.TenantExists,
    });
    await expect(
      createTenant.team({ slug: 'orphan', display_name: 'Orphan', org: 'no-such-org' }, callers.admin),
    ).rejects.toMatchObject({ code: ErrorCode.TenantNotFound });
    await expect(
      createTenant.workspace({ slug: 'orphan', display_name: 'Orphan', team: 'no-such-team' }, callers.admin),
    ).rejects.toMatchObject({ code: ErrorCode.TenantNotFound });
    await expect(createTenant.org({ slug: 'mine', display_name: 'Mine' }, callers.auditor)).rejects.toMatchObject({
      code: ErrorCode.Forbidden,
    });
    await expectNewEvents(h.db.name, mark, []);
    expect(await audits()).toHaveLength(queued);
    await expect(readTenancy.team('orphan', callers.auditor)).rejects.toMatchObject({ code: ErrorCode.TenantNotFound });
    expect(await h.useCases.getWorkspaceScope.run('orphan')).toBeNull();
  });

  it('gives a slug raced for by two operators to one of them', async () => {
    const race = ['first', 'second'].map((name) =>
      h.useCases.createTenant.org({ slug: 'raced', display_name: name }, callers.admin).then(
        () => 'created',
        (error: { code?: string }) => error.code,
      ),
    );
    expect((await Promise.all(race)).sort()).toEqual(['CONSOLE.TENANT_EXISTS', 'created']);
  });
});
