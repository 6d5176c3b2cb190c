import { cryptoReady, HatchStream } from '@hearth/contracts';
import { serveNest } from '@hearth/platform/nest';
import { startRuntime, type ServiceRuntime } from '@hearth/platform/runtime';
import { FRESHNESS_MS } from './app/caller-identity.js';
import { DRIVER_RULE, ROOT_PRINCIPAL, ROOT_RULE } from './app/principals/manage-principals.js';
import { composeVault, type Vault } from './compose.js';
import type { VaultConfig } from './config.js';
import { KeyRing } from './infra/crypto/envelope.js';
import { vaultMigrations } from './infra/postgres/migrations.js';
import { VaultModule } from './vault.module.js';

export interface RunningVault {
  vault: Vault;
  runtime: ServiceRuntime;
  ring: KeyRing;
  stop(): Promise<void>;
}

/** Starts the vault: database, HATCH stream, root principal, NATS endpoints, the operators' HTTP API, outbox relay. */
export async function startVault(config: VaultConfig): Promise<RunningVault> {
  await cryptoReady();
  const ring = KeyRing.parse({
    keks: config.VAULT_KEKS,
    activeKek: config.VAULT_ACTIVE_KEK,
    keyFile: config.VAULT_KEK_FILE,
  });
  const runtime = await startRuntime({
    service: 'vault',
    env: config,
    database: config.VAULT_DATABASE,
    migrations: vaultMigrations,
    streams: [{ ...HatchStream, subjects: [...HatchStream.subjects] }],
  });
  const vault = composeVault(runtime, {
    ring,
    keepVersions: config.VAULT_KEEP_VERSIONS,
    operatorRoles: config.VAULT_OPERATOR_ROLES,
    tokenCacheMs: config.VAULT_TOKEN_CACHE_SECONDS * 1000,
  });
  await vault.principalCache.listen();
  runtime.onShutdown(() => vault.principalCache.stop());
  await vault.principals.bootstrap(ROOT_PRINCIPAL, config.VAULT_ROOT_PUBLIC_KEY, ROOT_RULE);
  if (config.VAULT_DRIVER_PUBLIC_KEY !== undefined)
    await vault.principals.bootstrap(config.VAULT_DRIVER_PRINCIPAL, config.VAULT_DRIVER_PUBLIC_KEY, DRIVER_RULE);

  // No request body of the vault is ever logged: Nest gets the logger for its own messages only.
  await serveNest({
    module: VaultModule.with(vault),
    runtime,
    service: {
      name: 'hearth-vault',
      version: '0.1.0',
      description: 'The only credential store: signed callers, every read recorded',
      queue: 'vault',
    },
    http: { port: config.VAULT_PORT, host: config.VAULT_HOST },
  });
  await vault.relay.start();
  const sweeper = setInterval(() => void vault.nonces.sweep((2 * FRESHNESS_MS) / 1000).catch(() => undefined), 10_000);
  runtime.onShutdown(() => vault.relay.stop());
  runtime.onShutdown(() => Promise.resolve(clearInterval(sweeper)));
  return { vault, runtime, ring, stop: () => runtime.shutdown() };
}
