import 'reflect-metadata';
import { loadVaultConfig } from './config.js';
import { startVault } from './vault.app.js';

const config = loadVaultConfig();
const { runtime, ring } = await startVault(config);
runtime.logger.info({ nats: config.NATS_URL, kek: ring.activeId }, 'vault ready');
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void runtime.shutdown().then(() => process.exit(0)));
}
