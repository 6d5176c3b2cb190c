import 'reflect-metadata';
import { exitOnSignals } from '@hearth/platform/runtime';
import { loadHatchConfig } from './config.js';
import { startHatch } from './hatch.app.js';

const config = loadHatchConfig();
const { runtime } = await startHatch(config);
exitOnSignals(runtime);
