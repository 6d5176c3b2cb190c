export * from './console-token-cache.js';
