export * from './connection.js';
export * from './durable-consumer.js';
export * from './pull.js';
export * from './settled-consumer.js';
