import 'reflect-metadata';
import { exitOnSignals } from '@hearth/platform/nest';
import { loadVaultConfig } from './config.js';
import { startVault } from './vault.app.js';

const config = loadVaultConfig();
const { runtime, ring } = await startVault(config);
runtime.logger.info(
  { http: `http://${config.VAULT_HOST}:${config.VAULT_PORT}`, nats: config.NATS_URL, kek: ring.activeId },
  'vault ready',
);
exitOnSignals(runtime);
