/** `node services/vault/dist/rewrap.js`: moves every DEK under the active KEK; safe to kill and rerun. */
import 'reflect-metadata';
import { cryptoReady } from '@hearth/contracts';
import { createLogger, openDatabase } from '@hearth/platform';
import { Rewrap } from './app/rewrap/rewrap.js';
import { loadVaultConfig } from './config.js';
import { Envelope, KeyRing } from './infra/crypto/envelope.js';
import { vaultMigrations } from './infra/postgres/migrations.js';
import { SecretStore } from './infra/postgres/secret-store.js';

const config = loadVaultConfig();
await cryptoReady();
const logger = createLogger({ service: 'vault-rewrap', level: config.LOG_LEVEL });
const ring = KeyRing.parse({
  keks: config.VAULT_KEKS,
  activeKek: config.VAULT_ACTIVE_KEK,
  keyFile: config.VAULT_KEK_FILE,
});
const dataSource = await openDatabase(config, {
  database: config.VAULT_DATABASE,
  migrations: vaultMigrations,
  applicationName: 'hearth-vault-rewrap',
});
const moved = await new Rewrap(dataSource, new SecretStore(dataSource), new Envelope(ring), ring).run(100, (total) =>
  logger.info({ moved: total, kek: ring.activeId }, 'rewrapped'),
);
logger.info({ moved, kek: ring.activeId }, 'every DEK is wrapped by the active KEK');
await dataSource.destroy();
