import { VaultClient } from '@hearth/contracts';
import {
  configureEngineOn,
  startNats,
  startPostgresCluster,
  startVaultProcess,
  type PostgresCluster,
} from '@hearth/testkit';
import { connect, type NatsConnection } from '@nats-io/transport-node';

/** What every lease benchmark runs on: a throwaway scram-sha-256 cluster, the vault as a process, one engine and role on it. */
export interface LeaseStack {
  cluster: PostgresCluster;
  nc: NatsConnection;
  root: VaultClient;
}

/** A role's creation: a user that logs in until its lease's expiry, nothing more. */
export const LOGIN_CREATION = 'CREATE ROLE {{name}} LOGIN PASSWORD {{password}} VALID UNTIL {{expiration}}';

/** Starts the stack, each part's stop pushed on `cleanup`, with engine and role `name` (users `v_<name>_…`). */
export async function startLeaseStack(cleanup: Array<() => Promise<unknown>>, name: string): Promise<LeaseStack> {
  const cluster = await startPostgresCluster();
  cleanup.push(() => cluster.stop());
  const nats = await startNats();
  cleanup.push(() => nats.stop());
  // At info: at debug, the vault's log lines would be measured along with its work.
  const vault = await startVaultProcess(nats.url, { LOG_LEVEL: 'info' });
  cleanup.push(() => vault.stop());
  const nc = await connect({ servers: nats.url, noAsyncTraces: true });
  cleanup.push(() => nc.close());
  const root = new VaultClient(nc, 'root', vault.rootKeys, { vaultSealKey: vault.sealPublicKey });
  await configureEngineOn(root, cluster, name);
  await root.defineRole({ name, engine: name, creation_statements: [LOGIN_CREATION], default_ttl: 3600 });
  return { cluster, nc, root };
}
