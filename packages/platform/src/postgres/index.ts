export * from './command-handling.js';
export * from './database.js';
export * from './event-store.js';
export * from './fast-path.js';
export * from './platform-entities.js';
export * from './platform-schema.migration.js';
export * from './processed-messages.js';
export * from './unit-of-work.js';
