export * from './http-error.filter.js';
export * from './module.js';
export * from './nest-logger.js';
export * from './serve.js';
export * from './openapi.js';
export * from './streaming.js';
export * from './service-transport.js';
