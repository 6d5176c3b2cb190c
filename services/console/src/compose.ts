import { VaultClient, type BusSigner, type BusVerifier, type PrincipalKeyFile } from '@hearth/contracts';
import { correlation } from '@hearth/platform/logging';
import type { Clock, Ids } from '@hearth/platform/ports';
import { SettledConsumer } from '@hearth/platform/nats';
import { AuditJournal, OutboxRelay } from '@hearth/platform/outbox';
import {
  EventStore,
  FastPath,
  ParkedMessageTable,
  processedMessages,
  TypeOrmUnitOfWork,
} from '@hearth/platform/postgres';
import { randomIds, systemClock, type ServiceRuntime } from '@hearth/platform/runtime';
import { injectTraceContext } from '@hearth/platform/telemetry';
import { CreateDeployment } from './app/create-deployment/create-deployment.js';
import { CreateTenant } from './app/create-tenant/create-tenant.js';
import { CreateToken } from './app/create-token/create-token.js';
import { DiscoverDeployment } from './app/discover-deployment/discover-deployment.js';
import { GetDeployment } from './app/get-deployment/get-deployment.js';
import { GetDeploymentHistory } from './app/get-deployment-history/get-deployment-history.js';
import { GetWorkspaceScope } from './app/get-workspace-scope/get-workspace-scope.js';
import { ListDeployments } from './app/list-deployments/list-deployments.js';
import { OperateDeployment } from './app/operate-deployment/operate-deployment.js';
import { OperatorAccess } from './app/operator-access/operator-access.js';
import { OperatorSessions } from './app/operator-sessions/operator-sessions.js';
import { ListTokens } from './app/list-tokens/list-tokens.js';
import { WatchDeployments } from './app/watch-deployments/watch-deployments.js';
import { ListParkedMessages } from './app/list-parked-messages/list-parked-messages.js';
import { ReadTenancy } from './app/read-tenancy/read-tenancy.js';
import { RebuildProjection } from './app/rebuild-projection/rebuild-projection.js';
import { RecordDriverEvent } from './app/record-driver-event/record-driver-event.js';
import { RevokeToken } from './app/revoke-token/revoke-token.js';
import { VaultWrites } from './app/vault-writes/vault-writes.js';
import { DRIVER_EVENTS_CONSUMER, DriverEventsWorker } from './app/workers/driver-events.worker.js';
import type { EngineCapacity } from './domain/engine/placement.js';
import { ConsoleAuditTrail } from './infra/postgres/console-audit-trail.js';
import { DeploymentRefCache, EvictOnCommit } from './infra/postgres/deployment-ref-cache.js';
import { DeploymentRefTable } from './infra/postgres/deployment-ref-table.js';
import { deploymentUpcaster } from './domain/deployment/upcast.js';
import { EventSourcedDeployments } from './infra/postgres/event-sourced-deployments.js';
import { EventSourcedTenancy } from './infra/postgres/event-sourced-tenancy.js';
import { OperatorTokenTable } from './infra/postgres/operator-token-table.js';
import { OperatorSessionTable } from './infra/postgres/operator-session-table.js';
import { DeploymentRefFeed } from './infra/postgres/deployment-ref-feed.js';
import { TenancyTables } from './infra/postgres/tenancy-tables.js';

/** What a test may put in place of the real thing. */
export interface ConsoleDependencies {
  clock?: Clock;
  ids?: Ids;
  /** How long discovery's cache waits to listen again after losing its connection (1 s). */
  discoveryRelistenMs?: number;
  /** How often a live stream is quiet at most, and asks about its caller again (15 s). */
  streamRecheckMs?: number;
}

/** The console's one composition root: every use case and worker, built once from the runtime's connections. */
export function composeConsole(
  runtime: Pick<ServiceRuntime, 'dataSource' | 'js' | 'jsm' | 'logger' | 'nc'>,
  bus: { signer: BusSigner; verifier: BusVerifier },
  {
    clock = systemClock,
    ids = randomIds,
    journalRetentionMs,
    discoveryCacheEntries = 50_000,
    discoveryRelistenMs = 1_000,
    streamRecheckMs = 15_000,
    engines,
    preEngine,
    sessionIdleMs = 30 * 60_000,
    vault = {},
  }: ConsoleDependencies & {
    journalRetentionMs?: number;
    discoveryCacheEntries?: number;
    /** Where deployments are placed (CONSOLE_ENGINES). */
    engines: readonly EngineCapacity[];
    /** Where deployments made before there were several engines live. */
    preEngine: string;
    /** CONSOLE_SESSION_IDLE_SECONDS, in ms. */
    sessionIdleMs?: number;
    /** The console's vault principal (CONSOLE_PRINCIPAL_KEY) and the vault's seal key, when configured. */
    vault?: { principal?: PrincipalKeyFile | undefined; sealPublicKey?: string | undefined };
  },
) {
  const { dataSource } = runtime;
  const unitOfWork = new TypeOrmUnitOfWork(dataSource);
  const fastPath = new FastPath(dataSource);
  const store = new EventStore();
  const refs = new DeploymentRefTable(dataSource, fastPath);
  const discoveryCache = new DeploymentRefCache(refs, fastPath, runtime.logger, {
    entries: discoveryCacheEntries,
    relistenMs: discoveryRelistenMs,
  });
  EvictOnCommit.of(dataSource).add(discoveryCache);
  const audit = new ConsoleAuditTrail(clock, ids);
  const upcast = deploymentUpcaster(preEngine);
  const deployments = new EventSourcedDeployments(unitOfWork, store, refs, audit, clock, ids, upcast);
  const tree = new TenancyTables(dataSource);
  const tenancy = new EventSourcedTenancy(unitOfWork, store, tree, audit, clock, ids);
  const tokens = new OperatorTokenTable(dataSource);
  const operatorSessions = new OperatorSessions(
    unitOfWork,
    new OperatorSessionTable(dataSource),
    tokens,
    audit,
    clock,
    ids,
    sessionIdleMs,
  );
  const deploymentChanges = new DeploymentRefFeed(refs, fastPath, runtime.logger, discoveryRelistenMs);
  const recordDriverEvent = new RecordDriverEvent(deployments);
  const parked = new ParkedMessageTable(dataSource);
  const vaultWriter = vault.principal ? vaultClientOf(runtime, vault.principal) : null;
  const useCases = {
    createDeployment: new CreateDeployment(unitOfWork, deployments, refs, tree, engines, clock, ids),
    discoverDeployment: new DiscoverDeployment(discoveryCache),
    getDeployment: new GetDeployment(refs),
    getDeploymentHistory: new GetDeploymentHistory(deployments, upcast),
    listDeployments: new ListDeployments(refs),
    operateDeployment: new OperateDeployment(deployments, ids),
    recordDriverEvent,
    rebuildProjection: new RebuildProjection(unitOfWork, store, refs, tree, upcast),
    createTenant: new CreateTenant(tenancy, tree, clock),
    readTenancy: new ReadTenancy(tree),
    getWorkspaceScope: new GetWorkspaceScope(tree),
    listParkedMessages: new ListParkedMessages(parked),
    operatorAccess: new OperatorAccess(tokens, ids, operatorSessions),
    operatorSessions,
    listTokens: new ListTokens(tokens),
    watchDeployments: new WatchDeployments(deploymentChanges, streamRecheckMs, clock),
    createToken: new CreateToken(unitOfWork, tokens, audit, ids),
    revokeToken: new RevokeToken(unitOfWork, tokens, audit),
    vaultWrites: new VaultWrites(vaultWriter, vault.sealPublicKey ?? null, unitOfWork, audit),
  };
  const workers = {
    relay: new OutboxRelay(fastPath, runtime.js, bus.signer, runtime.logger, {
      ...(journalRetentionMs ? { journalRetentionMs } : {}),
      connection: runtime.nc,
    }),
    auditJournal: new AuditJournal(fastPath, runtime.nc, runtime.js, bus.signer, runtime.logger),
    driverEvents: new DriverEventsWorker(
      new SettledConsumer(runtime.js, runtime.jsm, runtime.logger, parked, bus.verifier, DRIVER_EVENTS_CONSUMER),
      unitOfWork,
      processedMessages,
      recordDriverEvent,
    ),
  };
  return { useCases, workers, discoveryCache, deploymentChanges };
}
export type ConsoleUseCases = ReturnType<typeof composeConsole>['useCases'];
export type ConsoleWorkers = ReturnType<typeof composeConsole>['workers'];

/**
 * The vault as the console's principal reaches it: each request signed on its own (a write now and
 * then needs no session), the request's trace and correlation id carried, and time enough for a
 * credential's test, which the vault ends at its own timeout (VAULT_CREDENTIAL_TEST_TIMEOUT_MS, at most 120 s).
 */
function vaultClientOf(runtime: Pick<ServiceRuntime, 'nc'>, principal: PrincipalKeyFile): VaultClient {
  return new VaultClient(runtime.nc, principal.name, principal, {
    sessions: false,
    timeoutMs: 125_000,
    injectTraceContext,
    correlationId: () => correlation.getStore(),
  });
}
