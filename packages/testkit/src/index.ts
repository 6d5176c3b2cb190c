export * from './database.js';
export * from './nats-server.js';
export * from './service-process.js';
export * from './hearth-services.js';
export * from './jetstream.js';
export * from './docker.js';
export * from './until.js';
