export * from './chain.js';
export * from './checkpoint.js';
export * from './export-file.js';
export * from './keys.js';
export * from './verify.js';
export * from './origin.js';
export * from './continue.js';
