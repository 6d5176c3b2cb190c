import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Status } from '@hearth/contracts';
import { TypeOrmUnitOfWork } from '@hearth/platform/postgres';
import { until } from '@hearth/testkit';
import { callers, deploymentRequest, startConsoleHarness, type ConsoleHarness } from '../../test/console-harness.js';

const { admin } = callers;

type Step = 'start' | 'ready' | 'fail' | 'retry' | 'deprovision' | 'gone';

/** One deployment per path through the state machine, each ending where its name says. */
const JOURNEYS: Record<string, { steps: Step[]; ends: Status }> = {
  'st-requested': { steps: [], ends: 'requested' },
  'st-provisioning': { steps: ['start'], ends: 'provisioning' },
  'st-ready': { steps: ['start', 'ready'], ends: 'ready' },
  'st-failed': { steps: ['start', 'fail'], ends: 'failed' },
  'st-retried': { steps: ['start', 'fail', 'retry'], ends: 'provisioning' },
  'st-retried-ready': { steps: ['start', 'fail', 'retry', 'ready'], ends: 'ready' },
  'st-deprovisioning': { steps: ['start', 'ready', 'deprovision'], ends: 'deprovisioning' },
  'st-deprovisioned': { steps: ['start', 'ready', 'deprovision', 'gone'], ends: 'deprovisioned' },
  'st-failed-gone': { steps: ['start', 'fail', 'deprovision', 'gone'], ends: 'deprovisioned' },
};

describe('the deployment_refs projection', () => {
  let h: ConsoleHarness;
  beforeAll(async () => {
    h = await startConsoleHarness();
  });
  afterAll(() => h?.close());

  const rows = () =>
    h.runtime.dataSource.query<Array<Record<string, unknown>>>('SELECT * FROM deployment_refs ORDER BY workspace_slug');
  const create = async (slug: string) => {
    await h.registerWorkspace(slug);
    return h.useCases.createDeployment.run(deploymentRequest(slug), admin);
  };

  async function take(step: Step, slug: string): Promise<void> {
    if (step === 'retry') return void (await h.useCases.operateDeployment.retry(slug, admin));
    if (step === 'deprovision') return void (await h.useCases.operateDeployment.deprovision(slug, admin));
    await h.recordAnswer(step, slug);
  }

  it('is rebuilt from the events to identical rows, whatever status each deployment reached', async () => {
    for (const [slug, { steps }] of Object.entries(JOURNEYS)) {
      await create(slug);
      for (const step of steps) await take(step, slug);
    }
    const before = await rows();
    expect(Object.fromEntries(before.map((r) => [r.workspace_slug, r.last_status]))).toEqual(
      Object.fromEntries(Object.entries(JOURNEYS).map(([slug, { ends }]) => [slug, ends])),
    );
    const bySlug = new Map(before.map((r) => [r.workspace_slug, r]));
    expect(bySlug.get('st-ready')?.endpoint).toBe('postgres://hearth-st-ready-postgres:5432/postgres');
    expect(bySlug.get('st-deprovisioned')?.endpoint).toBe('');
    expect(new Set(before.map((r) => r.stream_version)).size).toBeGreaterThan(3); // versions differ too

    await h.runtime.dataSource.query('DELETE FROM deployment_refs');
    expect(await rows()).toHaveLength(0);
    await h.useCases.rebuildProjection.run();

    expect(await rows()).toEqual(before);
  });

  it('places a deployment made before there were several engines on the first engine named at the upgrade, for good', async () => {
    await create('pre-engines');
    // As the upgrade finds it: the request names no engine, the migration left its row without one and
    // no console has started since to record where such deployments live.
    await h.runtime.dataSource.query(
      `UPDATE events SET data = data - 'engine' WHERE stream_id = 'deployment-pre-engines' AND type = 'DeploymentRequestedV1'`,
    );
    await h.runtime.dataSource.query(`UPDATE deployment_refs SET engine = NULL WHERE workspace_slug = 'pre-engines'`);
    await h.runtime.dataSource.query('DELETE FROM console_settings');

    // The upgraded console of a stack whose one driver ran as `compose`: its start rebuilds the rows.
    const upgraded = await h.replica({ CONSOLE_ENGINES: 'compose,east' });
    expect(await upgraded.useCases.getDeployment.run('pre-engines', admin)).toMatchObject({ engine: 'compose' });
    // Named in another order later, the engines do not move it: a rebuild reads it where it was.
    const reordered = await h.replica({ CONSOLE_ENGINES: 'east,compose' });
    await reordered.useCases.rebuildProjection.run();
    expect(await reordered.useCases.getDeployment.run('pre-engines', admin)).toMatchObject({ engine: 'compose' });
  });

  it('rebuilds the tenancy tree to identical rows too, and at start when a tenant has no row', async () => {
    const tree = () =>
      Promise.all(
        ['orgs', 'teams', 'workspaces'].map((table) =>
          h.runtime.dataSource.query<Array<Record<string, unknown>>>(`SELECT * FROM ${table} ORDER BY slug`),
        ),
      );
    await h.registerWorkspace('tree-a', { team: 'tree-team', org: 'tree-org' });
    await h.registerWorkspace('tree-b', { team: 'tree-team', org: 'tree-org' });
    const before = await tree();
    expect(before[2]!.map((w) => w.slug)).toEqual(expect.arrayContaining(['tree-a', 'tree-b']));

    await h.runtime.dataSource.query(`DELETE FROM workspaces WHERE slug = 'tree-b'`);
    expect(await h.useCases.rebuildProjection.runIfBehind()).not.toBeNull();
    expect(await tree()).toEqual(before);

    await h.runtime.dataSource.query('DELETE FROM orgs; DELETE FROM teams; DELETE FROM workspaces');
    await h.useCases.rebuildProjection.run();
    expect(await tree()).toEqual(before);
    expect(await h.useCases.rebuildProjection.runIfBehind()).toBeNull();
  });

  it('keeps what a command committed while an older, unrelated transaction was still open', async () => {
    await create('race-horizon');
    const older = h.runtime.dataSource.createQueryRunner();
    await older.startTransaction();
    await older.query('SELECT pg_current_xact_id()'); // holds back the in-flight horizon
    try {
      await take('start', 'race-horizon');
      const expected = await rows();
      await h.useCases.rebuildProjection.run();
      expect(await rows()).toEqual(expected);
    } finally {
      await older.rollbackTransaction();
      await older.release();
    }
  });

  it('waits for a command that has written its row, and keeps what that command wrote', async () => {
    await create('race-lock');
    const event = await h.driverAnswer('start', 'race-lock');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let wrote!: () => void;
    const written = new Promise<void>((resolve) => (wrote = resolve));
    const inFlight = new TypeOrmUnitOfWork(h.runtime.dataSource).run(async (tx) => {
      await h.useCases.recordDriverEvent.run(event, h.nextDriverSeq(), tx);
      wrote();
      await gate; // events appended and row written, not yet committed
    });
    await written;

    const rebuilt = h.useCases.rebuildProjection.run();
    await until(
      async () =>
        (
          await h.runtime.dataSource.query<unknown[]>(
            `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          )
        ).length > 0,
      { timeoutMs: 10_000, what: 'the rebuild waiting for the command in flight' },
    );
    release();
    await inFlight;
    await rebuilt;

    const row = (await rows()).find((r) => r.workspace_slug === 'race-lock');
    expect(row?.last_status).toBe('provisioning');
  });
});
