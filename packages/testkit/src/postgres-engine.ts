import { cryptoReady, engineRootPath, VaultClient, type EngineConfig, type EngineInfo } from '@hearth/contracts';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { startVaultProcess, type RunningVault } from './hearth-services.js';
import { startNats, type TestNats } from './nats-server.js';
import { startPostgresCluster, type PostgresCluster } from './postgres-cluster.js';

/**
 * Writes `login` as engine `name`'s root credential at its default path (the cluster's superuser
 * unless given), then has `root` configure the engine on `cluster`'s `postgres` database.
 */
export async function configureEngineOn(
  root: Pick<VaultClient, 'write' | 'configureEngine'>,
  cluster: PostgresCluster,
  name: string,
  {
    login = { username: cluster.user, password: cluster.password },
    ...more
  }: { login?: { username: string; password: string } } & Partial<EngineConfig> = {},
): Promise<EngineInfo> {
  await root.write({ path: engineRootPath(name), values: login });
  return root.configureEngine({
    name,
    host: cluster.host,
    port: cluster.port,
    database: 'postgres',
    sslmode: 'disable',
    root_path: engineRootPath(name),
    ...more,
  });
}

/** Dynamic credentials end to end: a throwaway scram-sha-256 cluster, the vault as a process on a NATS of its own, one engine. */
export interface LeaseStack {
  cluster: PostgresCluster;
  nats: TestNats;
  vault: RunningVault;
  nc: NatsConnection;
  /** The vault's root principal, write values sealed to the vault. */
  root: VaultClient;
  /** Stops everything, the cluster last. */
  stop(): Promise<void>;
}

/** Starts a LeaseStack with engine `engine` configured on the cluster; `vaultEnv` overrides the vault's settings. */
export async function startLeaseStack(engine: string, vaultEnv: Record<string, string> = {}): Promise<LeaseStack> {
  await cryptoReady();
  const cluster = await startPostgresCluster();
  const nats = await startNats();
  const vault = await startVaultProcess(nats.url, vaultEnv);
  const nc = await connect({ servers: nats.url, noAsyncTraces: true });
  const root = new VaultClient(nc, 'root', vault.rootKeys, { vaultSealKey: vault.sealPublicKey });
  await configureEngineOn(root, cluster, engine);
  return {
    cluster,
    nats,
    vault,
    nc,
    root,
    stop: async () => {
      await nc.close();
      await vault.stop();
      await nats.stop();
      await cluster.stop();
    },
  };
}
