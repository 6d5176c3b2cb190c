export * from './runtime.js';
export * from './signals.js';
export * from './system.js';
export * from './failpoints.js';
