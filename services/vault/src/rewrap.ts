/**
 * `pnpm vault:rewrap` (`node services/vault/dist/rewrap.js`): moves every DEK under the active KEK;
 * safe to kill and rerun. Exits 0 only when no version is left under another KEK.
 */
import 'reflect-metadata';
import { createLogger } from '@hearth/platform/logging';
import { loadRewrapConfig } from './config.js';
import { startRewrap } from './vault.app.js';

const config = loadRewrapConfig();
const logger = createLogger({ service: 'vault-rewrap', level: config.LOG_LEVEL });
const started = await startRewrap(config);
const where = { database: config.VAULT_DATABASE, kek: started.activeKek };
try {
  const { moved, remaining } = await started.rewrap.run({
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
  await started.stop();
  logger.flush();
}
