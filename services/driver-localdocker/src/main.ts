import { exitOnSignals } from '@hearth/platform/runtime';
import { loadDriverConfig } from './config.js';
import { startDriver } from './driver.app.js';

const driver = await startDriver(loadDriverConfig());
exitOnSignals(driver);
