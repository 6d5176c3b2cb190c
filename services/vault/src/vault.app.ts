import {
  BusSigner,
  BusVerifier,
  CONSOLE_PRINCIPAL,
  cryptoReady,
  HatchStream,
  sealKeysOf,
  signingKeyOf,
} from '@hearth/contracts';
import { serveNest } from '@hearth/platform/nest';
import type { Clock, Ids } from '@hearth/platform/ports';
import { openDatabase, type DatabaseOptions } from '@hearth/platform/postgres';
import {
  randomIds,
  startRuntime,
  systemClock,
  type RuntimeOptions,
  type ServiceRuntime,
} from '@hearth/platform/runtime';
import { meter } from '@hearth/platform/telemetry';
import { CONSOLE_RULES, DRIVER_RULES, ROOT_PRINCIPAL, ROOT_RULE } from './app/principals/manage-principals.js';
import type { Rewrap } from './app/rewrap/rewrap.js';
import { composeRewrap, composeVault, type ComposedVault, type VaultUseCases } from './compose.js';
import type { RewrapConfig, VaultConfig } from './config.js';
import { KeyRing } from './infra/crypto/envelope-cipher.js';
import { vaultEntities } from './infra/postgres/entities.js';
import { vaultMigrations } from './infra/postgres/migrations/index.js';
import { observeLeases } from './infra/telemetry/lease-gauges.js';
import { vaultModule } from './vault.module.js';

/** What a test or a bench may swap for its own. */
export interface VaultOverrides {
  clock?: Clock;
  ids?: Ids;
  /** Where log lines go (a test keeps them); stdout by default. */
  logDestination?: RuntimeOptions['logDestination'];
}

/** A vault started in this process. */
export interface VaultService {
  useCases: VaultUseCases;
  runtime: ServiceRuntime;
  /** The principal lookup cache, as far as its gauge shows it. */
  principalCache: { readonly cached: number };
  ring: KeyRing;
  /** The engines' databases, the machinery's reads of their root credentials, and the engine and lease stores. */
  dynamicCredentials: ComposedVault['dynamicCredentials'];
  /** The driver's work queue, and the sidecar tests it answers. */
  credentialWork: ComposedVault['credentialWork'];
  stop(): Promise<void>;
}

/** The KEKs, from the variables or the key file; there is never a default key. */
function keyRingOf(config: Pick<VaultConfig, 'VAULT_KEKS' | 'VAULT_ACTIVE_KEK' | 'VAULT_KEK_FILE'>): KeyRing {
  return KeyRing.parse({ keks: config.VAULT_KEKS, activeKek: config.VAULT_ACTIVE_KEK, keyFile: config.VAULT_KEK_FILE });
}

/** The vault's own database, its schema and its tables, for the vault and its rewrap alike. */
function vaultDatabase(config: Pick<VaultConfig, 'VAULT_DATABASE'>): Omit<DatabaseOptions, 'applicationName'> {
  return { database: config.VAULT_DATABASE, migrations: vaultMigrations, entities: vaultEntities };
}

/**
 * The only way the vault starts (main, the test harness, the benches): database, the HATCH stream
 * waited for (hatch's: the vault only publishes into it), the principals pinned by configuration, a
 * root rotation left in flight settled, NATS endpoints, the operators' HTTP API, the outbox relay, the
 * nonce sweep, the lease sweeper with its gauges, and the scheduled root rotations.
 */
export async function startVault(config: VaultConfig, overrides: VaultOverrides = {}): Promise<VaultService> {
  await cryptoReady();
  const ring = keyRingOf(config);
  const runtime = await startRuntime({
    service: 'vault',
    env: config,
    ...vaultDatabase(config),
    streams: [],
    awaits: [HatchStream.name],
    ...(overrides.logDestination ? { logDestination: overrides.logDestination } : {}),
  });
  const { useCases, workers, principalCache, dynamicCredentials, credentialWork } = composeVault(runtime, {
    ring,
    sealKeys: sealKeysOf(config.VAULT_SEAL_KEY),
    keepVersions: config.VAULT_KEEP_VERSIONS,
    principalCacheEntries: config.VAULT_PRINCIPAL_CACHE_ENTRIES,
    sessions: { ttlMs: config.VAULT_SESSION_TTL_SECONDS * 1000, perPrincipal: config.VAULT_SESSIONS_PER_PRINCIPAL },
    operatorRoles: config.VAULT_OPERATOR_ROLES,
    tokenCacheMs: config.VAULT_TOKEN_CACHE_SECONDS * 1000,
    tenancyCacheMs: config.VAULT_TENANCY_CACHE_MS,
    journalRetentionMs: config.AUDIT_JOURNAL_RETENTION_SECONDS * 1000,
    clock: overrides.clock ?? systemClock,
    ids: overrides.ids ?? randomIds,
    bus: {
      signer: new BusSigner('vault', signingKeyOf(config.VAULT_SIGNING_KEY, 'VAULT_SIGNING_KEY')),
      verifier: new BusVerifier(config.HEARTH_SERVICE_KEYS),
    },
    rotationCheckMs: config.VAULT_ROTATION_CHECK_SECONDS * 1000,
    credentialWorkClaimMs: config.VAULT_CREDENTIAL_WORK_CLAIM_SECONDS * 1000,
    credentialTestTimeoutMs: config.VAULT_CREDENTIAL_TEST_TIMEOUT_MS,
    sidecarCheckTimeoutMs: config.VAULT_SIDECAR_CHECK_TIMEOUT_MS,
    leaseSweep: {
      everyMs: config.VAULT_LEASE_SWEEP_SECONDS * 1000,
      creatingStandsMs: config.VAULT_LEASE_CREATING_SECONDS * 1000,
      backoff: {
        baseMs: config.VAULT_LEASE_RETRY_BASE_SECONDS * 1000,
        capMs: config.VAULT_LEASE_RETRY_CAP_SECONDS * 1000,
        maxAttempts: config.VAULT_LEASE_REVOKE_ATTEMPTS,
      },
    },
  });
  await principalCache.listen();
  meter('vault')
    .createObservableGauge('vault.principal_cache.entries', { description: 'Names the principal lookup cache holds' })
    .addCallback((gauge) => gauge.observe(principalCache.cached));
  runtime.onShutdown(() => principalCache.stop());
  runtime.onShutdown(() => dynamicCredentials.target.close());
  await credentialWork.store.listen();
  runtime.onShutdown(() => credentialWork.store.stop());
  const { leases, engines, target } = dynamicCredentials;
  observeLeases(leases, engines, target, overrides.clock ?? systemClock);
  await useCases.principals.bootstrap(ROOT_PRINCIPAL, config.VAULT_ROOT_PUBLIC_KEY, [ROOT_RULE]);
  if (config.VAULT_DRIVER_PUBLIC_KEY !== undefined)
    await useCases.principals.bootstrap(config.VAULT_DRIVER_PRINCIPAL, config.VAULT_DRIVER_PUBLIC_KEY, DRIVER_RULES);
  if (config.VAULT_CONSOLE_PUBLIC_KEY !== undefined)
    await useCases.principals.bootstrap(CONSOLE_PRINCIPAL, config.VAULT_CONSOLE_PUBLIC_KEY, CONSOLE_RULES);

  // A root rotation a stopped vault left in flight is settled before any request can meet it.
  await useCases.rotateRoot.recover();

  // No request body of the vault is ever logged: Nest gets the logger for its own messages only.
  await serveNest({
    module: vaultModule(useCases),
    runtime,
    service: {
      name: 'hearth-vault',
      version: '0.1.0',
      description: 'The only credential store: signed callers, every read recorded',
      queue: 'vault',
    },
    http: { port: config.VAULT_PORT, host: config.VAULT_HOST },
  });
  await workers.relay.start();
  runtime.onShutdown(() => workers.relay.stop());
  workers.auditJournal.start();
  runtime.onShutdown(() => workers.auditJournal.stop());
  workers.nonceSweep.start();
  runtime.onShutdown(() => workers.nonceSweep.stop());
  // After restarts too: the sweeper's first round runs now, so what expired meanwhile goes within one interval.
  workers.leaseSweeper.start();
  runtime.onShutdown(() => workers.leaseSweeper.stop());
  workers.rootRotations.start();
  runtime.onShutdown(() => workers.rootRotations.stop());
  workers.credentialRotations.start();
  runtime.onShutdown(() => workers.credentialRotations.stop());
  runtime.logger.info(
    { http: `http://${config.VAULT_HOST}:${config.VAULT_PORT}`, nats: config.NATS_URL, kek: ring.activeId },
    'vault ready',
  );
  return {
    useCases,
    runtime,
    ring,
    principalCache,
    dynamicCredentials,
    credentialWork,
    stop: () => runtime.shutdown(),
  };
}

/** The rewrap (`pnpm vault:rewrap`) beside a running vault: its database and KEKs, nothing of its bus. */
export async function startRewrap(
  config: RewrapConfig,
): Promise<{ rewrap: Rewrap; activeKek: string; stop(): Promise<void> }> {
  await cryptoReady();
  const ring = keyRingOf(config);
  const dataSource = await openDatabase(config, { ...vaultDatabase(config), applicationName: 'hearth-vault-rewrap' });
  return { rewrap: composeRewrap(dataSource, ring), activeKek: ring.activeId, stop: () => dataSource.destroy() };
}
