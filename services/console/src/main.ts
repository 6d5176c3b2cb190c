import { exitOnSignals } from '@hearth/platform/runtime';
import { startConsole } from './console.app.js';
import { loadConsoleConfig } from './config.js';

const consoleApp = await startConsole(loadConsoleConfig());
exitOnSignals(consoleApp.runtime);
