import 'reflect-metadata';
import { exitOnSignals } from '@hearth/platform/runtime';
import { loadVaultConfig } from './config.js';
import { startVault } from './vault.app.js';

const vault = await startVault(loadVaultConfig());
exitOnSignals(vault.runtime);
