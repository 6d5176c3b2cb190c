import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TypeOrmUnitOfWork } from '@hearth/platform/postgres';
import { DriverEvent, type Status } from '@hearth/contracts';
import { poolOf } from '@hearth/platform/postgres';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { startConsoleHarness, type ConsoleHarness } from '../../test/console-harness.js';

const admin = { id: randomUUID(), name: 'test-admin', role: 'admin' as const, createdBy: 'test' };

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
  const create = (slug: string) =>
    h.console.createDeployment.run(
      { slug, tier: 'dev', driver: 'localdocker', sidecars: [{ name: 'postgres', image: 'postgres:16' }] },
      admin,
    );

  /** The driver command a deployment waits on, as its latest request, retry or teardown named it. */
  async function pendingCommand(slug: string): Promise<string> {
    const [row] = await h.runtime.dataSource.query<Array<{ id: string }>>(
      `SELECT data->>'command_id' AS id FROM events
       WHERE stream_id = $1 AND type IN ('DeploymentRequestedV1', 'DeploymentRetriedV1', 'DeploymentDeprovisionRequestedV1')
       ORDER BY stream_version DESC LIMIT 1`,
      [`deployment-${slug}`],
    );
    return row!.id;
  }

  /** A driver event as it arrives off the bus, for `slug`'s pending command. */
  async function driverEvent(step: 'start' | 'ready' | 'fail' | 'gone', slug: string): Promise<DriverEvent> {
    const command_id = await pendingCommand(slug);
    const id = randomUUID();
    const body = {
      start: { type: 'ProvisioningStartedV1', data: { slug, command_id } },
      ready: {
        type: 'SidecarsProvisionedV1',
        data: { slug, command_id, endpoint: `postgres://hearth-${slug}-postgres:5432/postgres` },
      },
      fail: { type: 'ProvisioningFailedV1', data: { slug, command_id, reason: 'image not found' } },
      gone: { type: 'SidecarsDeprovisionedV1', data: { slug, command_id } },
    }[step];
    return DriverEvent.parse({
      ...body,
      id,
      stream: `driver-${slug}`,
      version: 1,
      metadata: {
        actor: 'driver:localdocker',
        correlation_id: id,
        causation_id: command_id,
        trace_id: null,
        occurred_at: new Date().toISOString(),
      },
    });
  }

  async function take(step: Step, slug: string): Promise<void> {
    if (step === 'retry') return void (await h.console.operateDeployment.retry(slug, admin));
    if (step === 'deprovision') return void (await h.console.operateDeployment.deprovision(slug, admin));
    const event = await driverEvent(step, slug);
    await new TypeOrmUnitOfWork(h.runtime.dataSource).run((tx) => h.console.recordDriverEvent.run(event, tx));
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
    await h.console.rebuildProjection.run();

    expect(await rows()).toEqual(before);
  });

  it('keeps what a command committed while an older, unrelated transaction was still open', async () => {
    await create('race-horizon');
    const older = await poolOf(h.runtime.dataSource).connect();
    await older.query('BEGIN');
    await older.query('SELECT pg_current_xact_id()'); // holds back the in-flight horizon
    try {
      await take('start', 'race-horizon');
      const expected = await rows();
      await h.console.rebuildProjection.run();
      expect(await rows()).toEqual(expected);
    } finally {
      await older.query('ROLLBACK');
      older.release();
    }
  });

  it('waits for a command that has written its row, and keeps what that command wrote', async () => {
    await create('race-lock');
    const event = await driverEvent('start', 'race-lock');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let wrote!: () => void;
    const written = new Promise<void>((resolve) => (wrote = resolve));
    const inFlight = new TypeOrmUnitOfWork(h.runtime.dataSource).run(async (tx) => {
      await h.console.recordDriverEvent.run(event, tx);
      wrote();
      await gate; // events appended and row written, not yet committed
    });
    await written;

    const rebuilt = h.console.rebuildProjection.run();
    for (let waited = 0; ; waited += 50) {
      const blocked = await h.runtime.dataSource.query<unknown[]>(
        `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      if (blocked.length > 0) break;
      if (waited > 10_000) throw new Error('the rebuild never waited for the command in flight');
      await sleep(50);
    }
    release();
    await inFlight;
    await rebuilt;

    const row = (await rows()).find((r) => r.workspace_slug === 'race-lock');
    expect(row?.last_status).toBe('provisioning');
  });
});
