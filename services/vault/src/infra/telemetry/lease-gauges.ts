import type { Clock } from '@hearth/platform/ports';
import { meter } from '@hearth/platform/telemetry';
import type { EngineStore, LeaseStore, TargetDatabases } from '../../app/ports.js';

type Meter = ReturnType<typeof meter>;

/**
 * The leases' gauges, read at each collection: live leases per role (`role`), active ones past their
 * expiry the sweeper has not revoked yet, irrevocable ones (one query for the three), and each
 * engine's DDL queue depth (`engine`). A source that fails (the vault's database is down) reports
 * nothing rather than a stale figure.
 */
export function observeLeases(
  leases: Pick<LeaseStore, 'stats'>,
  engines: Pick<EngineStore, 'list'>,
  target: Pick<TargetDatabases, 'queueDepth'>,
  clock: Clock,
  vault: Meter = meter('vault'),
): void {
  const live = vault.createObservableGauge('vault.leases.live', {
    description: 'Leases not yet ended (creating or active), per role',
    unit: '{lease}',
  });
  const expired = vault.createObservableGauge('vault.leases.expired_unrevoked', {
    description: 'Active leases past their expiry, not yet revoked by the sweeper',
    unit: '{lease}',
  });
  const irrevocable = vault.createObservableGauge('vault.leases.irrevocable', {
    description: 'Leases whose revocation kept failing, left to an operator',
    unit: '{lease}',
  });
  const queueDepth = vault.createObservableGauge('vault.lease_ddl.queue_depth', {
    description: "Calls waiting in an engine's role DDL queue",
    unit: '{call}',
  });
  vault.addBatchObservableCallback(
    async (result) => {
      const [stats, known] = await Promise.all([
        leases.stats(clock.now()).catch(() => null),
        engines.list().catch(() => null),
      ]);
      if (stats) {
        for (const [role, count] of stats.liveByRole) result.observe(live, count, { role });
        result.observe(expired, stats.expiredUnrevoked);
        result.observe(irrevocable, stats.irrevocable);
      }
      for (const engine of known ?? [])
        result.observe(queueDepth, target.queueDepth(engine.name), { engine: engine.name });
    },
    [live, expired, irrevocable, queueDepth],
  );
}
