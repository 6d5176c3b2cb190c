export * from './sdk.js';
export * from './telemetry.js';
