import { engineRootPath, type EngineConfig, type EngineInfo, type VaultClient } from '@hearth/contracts';
import type { PostgresCluster } from './postgres-cluster.js';

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
