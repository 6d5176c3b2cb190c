export * from './runtime.js';
export * from './system.js';
