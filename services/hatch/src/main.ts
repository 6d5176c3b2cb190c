import 'reflect-metadata';
import { exitOnSignals } from '@hearth/platform/runtime';
import { loadHatchConfig } from './config.js';
import { startHatch } from './hatch.app.js';

const config = loadHatchConfig();
const { runtime } = await startHatch(config);
runtime.logger.info({ http: `http://${config.HATCH_HOST}:${config.HATCH_PORT}`, nats: config.NATS_URL }, 'hatch ready');
exitOnSignals(runtime);
