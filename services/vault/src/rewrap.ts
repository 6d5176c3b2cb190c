/**
 * `pnpm vault:rewrap` (`node services/vault/dist/rewrap.js`): moves every DEK under the active KEK;
 * safe to kill and rerun. Exits 0 only when no version is left under another KEK.
 */
import 'reflect-metadata';
import { cryptoReady } from '@hearth/contracts';
import { createLogger } from '@hearth/platform/logging';
import { openDatabase, TypeOrmUnitOfWork } from '@hearth/platform/postgres';
import { Rewrap } from './app/rewrap/rewrap.js';
import { loadRewrapConfig } from './config.js';
import { Envelope, KeyRing } from './infra/crypto/envelope.js';
import { vaultMigrations } from './infra/postgres/migrations.js';
import { SecretStore } from './infra/postgres/secret-store.js';

const config = loadRewrapConfig();
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
const where = { database: config.VAULT_DATABASE, kek: ring.activeId };
try {
  const { moved, remaining } = await new Rewrap(
    new TypeOrmUnitOfWork(dataSource),
    new SecretStore(dataSource),
    new Envelope(ring),
    ring,
  ).run({
    batchSize: config.VAULT_REWRAP_BATCH,
    maxWaitMs: config.VAULT_REWRAP_WAIT_SECONDS * 1000,
    onBatch: (total) => logger.info({ ...where, moved: total }, 'rewrapped'),
  });
  if (remaining === 0) {
    logger.info({ ...where, moved, remaining }, 'every DEK is wrapped by the active KEK');
  } else {
    logger.error(
      { ...where, moved, remaining },
      'DEKs remain under another KEK: held locked past the wait, or sealed by a vault whose active KEK is still the old one; run the rewrap again',
    );
    process.exitCode = 1;
  }
} catch (error) {
  logger.error({ ...where, err: error }, 'rewrap failed; what it moved stays moved, run it again');
  process.exitCode = 1;
} finally {
  await dataSource.destroy();
  logger.flush();
}
