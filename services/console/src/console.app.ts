import 'reflect-metadata';
import { BusSigner, BusVerifier, HatchStream, signingKeyOf, Streams } from '@hearth/contracts';
import { serveNest } from '@hearth/platform/nest';
import { startRuntime, type ServiceRuntime } from '@hearth/platform/runtime';
import { meter } from '@hearth/platform/telemetry';
import { composeConsole, type ConsoleDependencies, type ConsoleUseCases, type ConsoleWorkers } from './compose.js';
import type { ConsoleConfig } from './config.js';
import { consoleModule } from './console.module.js';
import type { DeploymentRefCache } from './infra/postgres/deployment-ref-cache.js';
import { consoleEntities } from './infra/postgres/entities.js';
import { consoleMigrations } from './infra/postgres/migrations/index.js';
import { settledSetting } from './infra/postgres/console-settings.js';
import { WebOrigin } from './transport/http/caller.js';
import { ReadUpstreams } from './transport/http/read-proxy.controller.js';
import { serveWebConsole, webRootOf } from './transport/http/web-console.js';

export interface ConsoleOptions extends ConsoleDependencies {
  /** Serve the HTTP and NATS edges (default); a medium test of the use cases alone goes without. */
  serve?: boolean;
  /** Start the workers (default); a test that drives them itself starts them when it wants. */
  startWorkers?: boolean;
  /** Close open HTTP connections at shutdown rather than wait for them (tests). */
  forceCloseConnections?: boolean;
}

/** A started console: what it runs on, its use cases and workers; `runtime.shutdown()` stops it all. */
export interface ConsoleApp {
  runtime: ServiceRuntime;
  useCases: ConsoleUseCases;
  workers: ConsoleWorkers;
  /** Discovery's cache of deployment_refs (whether it listens, how much it holds). */
  discoveryCache: DeploymentRefCache;
}

/** The one way the console starts: main, the medium tests' harness and the process starters all come here. */
export async function startConsole(config: ConsoleConfig, options: ConsoleOptions = {}): Promise<ConsoleApp> {
  const runtime = await startRuntime({
    service: 'console',
    env: config,
    database: config.CONSOLE_DATABASE,
    migrations: consoleMigrations,
    entities: consoleEntities,
    streams: [
      { ...Streams.driverCommands, subjects: [...Streams.driverCommands.subjects] },
      { ...Streams.driverEvents, subjects: [...Streams.driverEvents.subjects] },
    ],
    // Its operator actions are audit events: HATCH, hatch's stream, must be there before the relay sends them.
    awaits: [HatchStream.name],
  });
  const bus = {
    signer: new BusSigner('console', signingKeyOf(config.CONSOLE_SIGNING_KEY, 'CONSOLE_SIGNING_KEY')),
    verifier: new BusVerifier(config.HEARTH_SERVICE_KEYS),
  };
  // Where deployments made before there were several engines live: fixed at the first start, so a
  // later reordering of CONSOLE_ENGINES cannot send their commands to another engine's driver.
  const engineNames = config.CONSOLE_ENGINES.map((engine) => engine.name);
  const preEngine = await settledSetting(runtime.dataSource, 'pre_engine_engine', engineNames[0]!);
  if (!engineNames.includes(preEngine)) {
    runtime.logger.warn(
      { preEngine, engines: engineNames },
      'deployments made before there were several engines live on an engine CONSOLE_ENGINES does not name',
    );
  }
  const { useCases, workers, discoveryCache, deploymentChanges } = composeConsole(runtime, bus, {
    ...options,
    journalRetentionMs: config.AUDIT_JOURNAL_RETENTION_SECONDS * 1000,
    discoveryCacheEntries: config.CONSOLE_DISCOVERY_CACHE_ENTRIES,
    engines: config.CONSOLE_ENGINES,
    preEngine,
    sessionIdleMs: config.CONSOLE_SESSION_IDLE_SECONDS * 1000,
    vault: { principal: config.CONSOLE_PRINCIPAL_KEY, sealPublicKey: config.VAULT_SEAL_PUBLIC_KEY },
  });
  if (config.CONSOLE_PRINCIPAL_KEY === undefined) {
    runtime.logger.warn('no CONSOLE_PRINCIPAL_KEY: the web console makes no write to the vault');
  }
  await discoveryCache.listen();
  runtime.onShutdown(() => discoveryCache.stop());
  await deploymentChanges.listen();
  runtime.onShutdown(() => deploymentChanges.stop());
  meter('console')
    .createObservableGauge('console.discovery_cache.entries', { description: 'Workspaces discovery holds in memory' })
    .addCallback((gauge) => gauge.observe(discoveryCache.cached));
  const rebuilt = await useCases.rebuildProjection.runIfBehind();
  if (rebuilt !== null) runtime.logger.warn({ streams: rebuilt }, 'a projection was behind its events: rebuilt');
  await useCases.operatorAccess.bootstrap(config.HEARTH_BOOTSTRAP_ADMIN_TOKEN);
  if (options.serve ?? true) {
    const webRoot = webRootOf(config.CONSOLE_WEB_ROOT);
    if (webRoot === null) runtime.logger.warn('the web console is not built (run pnpm build): / says so until it is');
    await serveNest({
      module: consoleModule(useCases, {
        upstreams: ReadUpstreams.of(config.CONSOLE_VAULT_URL, config.CONSOLE_HATCH_URL),
        origin: new WebOrigin(config.CONSOLE_PUBLIC_ORIGIN ?? null),
      }),
      runtime,
      service: {
        name: 'hearth-console',
        version: '0.1.0',
        description: 'Deployments and their discovery',
        queue: 'console',
        replySigner: bus.signer,
      },
      http: {
        port: config.CONSOLE_PORT,
        host: config.CONSOLE_HOST,
        forceCloseConnections: options.forceCloseConnections ?? false,
        configure: (app) => serveWebConsole(app, webRoot),
      },
    });
  }
  for (const worker of Object.values(workers)) {
    if (options.startWorkers ?? true) await worker.start();
    runtime.onShutdown(() => worker.stop());
  }
  runtime.logger.info(
    { http: `http://${config.CONSOLE_HOST}:${config.CONSOLE_PORT}`, nats: config.NATS_URL },
    'console ready',
  );
  return { runtime, useCases, workers, discoveryCache };
}
