export * from './leased-pool.js';
